"""Personal access tokens: hashed, recognisable, scoped, and dead the moment they should be."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.api_helpers import api_client, token_for
from tests.conftest import PASSWORD, make_user
from webapp.api import tokens
from webapp.api.models import AccessToken
from webapp.staff.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_only_as_its_hash_with_a_recognisable_prefix(alice):
    token, raw = tokens.create_token(alice, "script", ["read"])
    assert raw.startswith("lj_pat_") and raw.startswith(token.prefix + "_")
    assert len(raw) > 40
    assert token.hashed == tokens.hash_token(raw) != raw
    stored = AccessToken.objects.values_list(flat=True)
    assert not any(raw in str(v) for v in AccessToken.objects.values().first().values())
    assert stored.count() == 1


def test_it_authenticates_and_records_last_use(alice):
    raw = token_for(alice)
    response = api_client(raw).get("/api/v1/points")
    assert response.status_code == 200, response.content
    assert AccessToken.objects.get().last_used_at is not None


@pytest.mark.parametrize(
    "header", ["", "Bearer", "Bearer nonsense", "Bearer lj_pat_00000000_wrong", "Basic abc"]
)
def test_a_missing_or_unknown_token_is_401_problem(client, header):
    response = client.get("/api/v1/points", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] in ("missing_token", "invalid_token")
    assert "Bearer" in response["WWW-Authenticate"]


def test_a_revoked_token_fails_at_once(alice):
    token, raw = tokens.create_token(alice, "script", ["read", "billing:read"])
    client = api_client(raw)
    assert client.get("/api/v1/points").status_code == 200
    assert tokens.revoke(token, alice)
    response = client.get("/api/v1/points")
    assert response.status_code == 401
    assert response.json()["code"] == "token_revoked"


def test_an_expired_token_fails(alice):
    raw = token_for(alice, expires_at=timezone.now() - timedelta(seconds=1))
    response = api_client(raw).get("/api/v1/points")
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"


def test_a_suspended_users_token_stops_working(alice):
    raw = token_for(alice)
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    response = api_client(raw).get("/api/v1/jobs")
    assert response.status_code == 401
    assert response.json()["code"] == "account_inactive"


def test_a_deleted_users_token_stops_working(alice):
    raw = token_for(alice)
    alice.deleted_at = timezone.now()
    alice.save(update_fields=["deleted_at"])
    assert api_client(raw).get("/api/v1/jobs").status_code == 401


def test_a_token_without_the_scope_is_403(alice):
    raw = token_for(alice, scopes=["read"])
    response = api_client(raw).get("/api/v1/points")
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"
    response = api_client(raw).post("/api/v1/jobs", {"prompt": "a boat"})
    assert response.status_code == 403


def test_the_tokens_page_shows_a_new_token_once_and_revokes_it(client, alice):
    client.login(email=alice.email, password=PASSWORD)
    page = client.get("/accounts/tokens/")
    assert page.status_code == 200
    made = client.post(
        "/accounts/tokens/", {"name": "shop", "scopes": ["read", "create"], "expiry": "30"}
    )
    raw = made.context["created"]["raw"]
    assert raw.encode() in made.content
    assert made["Cache-Control"] == "no-store"
    token = AccessToken.objects.get(user=alice)
    assert token.scopes == ["read", "create"]
    assert token.expires_at > timezone.now() + timedelta(days=29)
    assert raw.encode() not in client.get("/accounts/tokens/").content
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api_client(raw).get("/api/v1/jobs").status_code == 401


def test_the_account_menu_links_to_the_tokens_page(client, alice):
    client.login(email=alice.email, password=PASSWORD)
    assert b'href="/accounts/tokens/"' in client.get("/accounts/data/").content


def test_another_user_cannot_revoke_my_token(client, alice, bob):
    token, _raw = tokens.create_token(alice, "script", ["read"])
    client.login(email=bob.email, password=PASSWORD)
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_staff_revoke_any_token_in_the_admin_and_it_is_audited(client, alice):
    admin = make_user("admin@example.com", is_staff=True, is_superuser=True)
    token, raw = tokens.create_token(alice, "script", ["read"])
    client.login(email=admin.email, password=PASSWORD)
    listing = client.get("/admin/api/accesstoken/")
    assert token.prefix.encode() in listing.content
    assert raw.encode() not in listing.content
    client.post(
        "/admin/api/accesstoken/",
        {"action": "revoke_tokens", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_by == admin
    entry = AuditEntry.objects.get(action=AuditEntry.Action.REVOKE_TOKEN)
    assert entry.staff == admin and entry.subject_user == alice
    assert entry.details["prefix"] == token.prefix
    assert api_client(raw).get("/api/v1/jobs").status_code == 401


def test_support_staff_see_and_revoke_tokens_in_the_admin(client, alice):
    from django.contrib.auth.models import Group

    support = make_user("support@example.com", is_staff=True)
    support.groups.add(Group.objects.get(name="Support"))
    token, _raw = tokens.create_token(alice, "script", ["read"])
    client.login(email=support.email, password=PASSWORD)
    assert token.prefix.encode() in client.get("/admin/api/accesstoken/").content
    client.post(
        "/admin/api/accesstoken/", {"action": "revoke_tokens", "_selected_action": [token.pk]}
    )
    token.refresh_from_db()
    assert token.revoked_by == support
