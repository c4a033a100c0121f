"""Who is signed in: one backend (webapp/accounts/backends.py) that reads the session's user
with one statement, hashes a wrong password once, and keeps sessions made before it."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, authenticate
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import PASSWORD, make_user
from webapp.accounts import backends
from webapp.accounts.models import User


def _sign_in_with(client, user, backend_path):
    """A session as Django's login() writes it, naming `backend_path`."""
    session = client.session
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = backend_path
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    client.cookies["sessionid"] = session.session_key


@pytest.mark.django_db
@pytest.mark.parametrize("earlier", sorted(backends.EARLIER_BACKENDS))
def test_a_session_made_before_the_single_backend_stays_signed_in(client, alice, earlier):
    _sign_in_with(client, alice, earlier)

    assert client.get(reverse("generation:works")).status_code == 200
    assert client.session[BACKEND_SESSION_KEY] == backends.BACKEND


@pytest.mark.django_db
def test_an_unknown_backend_or_a_changed_password_signs_the_session_out(client, alice):
    _sign_in_with(client, alice, "somewhere.else.Backend")
    assert client.get(reverse("generation:works")).status_code == 302

    _sign_in_with(client, alice, backends.BACKEND)
    assert client.get(reverse("generation:works")).status_code == 200
    alice.set_password(PASSWORD + "-new")
    alice.save()
    assert client.get(reverse("generation:works")).status_code == 302


@pytest.mark.django_db
def test_a_suspended_account_is_signed_out_at_its_next_request(client, alice):
    client.force_login(alice)
    assert client.get(reverse("generation:works")).status_code == 200
    alice.is_active = False
    alice.save()
    assert client.get(reverse("generation:works")).status_code == 302
    assert backends.AccountBackend().get_user(alice.pk) is None
    assert backends.AccountBackend().get_user(alice.pk + 1000) is None


@pytest.mark.django_db
def test_the_signed_in_user_is_one_query(alice):
    with CaptureQueriesContext(connection) as queries:
        user = backends.AccountBackend().get_user(alice.pk)
    assert user == alice and user.email == alice.email and user.check_password(PASSWORD)
    assert len(queries) == 1


@pytest.mark.django_db
def test_a_wrong_password_or_an_unknown_address_is_hashed_once(alice, monkeypatch):
    # Counted on the user model: the tests' settings may hash with a faster hasher.
    calls = []
    for name in ("check_password", "set_password"):
        real = getattr(User, name)
        monkeypatch.setattr(
            User, name, lambda self, *a, _real=real, _n=name: calls.append(_n) or _real(self, *a)
        )
    request = RequestFactory().post("/accounts/login/")

    assert authenticate(request, email=alice.email, password=PASSWORD + "x") is None
    assert calls == ["check_password"]
    calls.clear()
    assert authenticate(request, email="nobody@example.com", password=PASSWORD) is None
    assert calls == ["set_password"]  # the timing mitigation: as slow as a known address
    calls.clear()
    # The admin's form sends the address as `username`.
    assert authenticate(request, username=alice.email, password=PASSWORD) == alice
    assert calls == ["check_password"]


@pytest.mark.django_db
def test_the_log_in_page_signs_in_through_the_one_backend(client):
    make_user("kim@example.com")
    response = client.post(
        reverse("account_login"), {"login": "kim@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == backends.BACKEND
