"""The audit log: every staff action is one append-only row with who, what, when and why,
viewable and filterable in the staff panel and never editable."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Membership
from generation.moderation.models import BlockedTerm
from tests.conftest import make_user, tier
from tests.staff_helpers import staff_member
from webapp.staff import audit, services
from webapp.staff.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_staff(db):
    return staff_member("admin@example.com", "Admins")


def test_audit_rows_cannot_be_edited_or_deleted(alice, admin_staff):
    row = audit.record(admin_staff, audit.Action.GRANT, alice, "goodwill", amount=10)

    row.reason = "changed my mind"
    with pytest.raises(TypeError):
        row.save()
    with pytest.raises(TypeError):
        row.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.update(reason="x")
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get().reason == "goodwill"


def test_a_row_says_who_what_when_and_why(alice, admin_staff):
    before = timezone.now()
    row = audit.record(admin_staff, audit.Action.SUSPEND, alice, "spam", when=before)

    assert (row.staff, row.action, row.subject_user, row.reason) == (
        admin_staff,
        "suspend",
        alice,
        "spam",
    )
    assert row.target_repr == alice.email and row.target_id == str(alice.pk)
    assert row.created_at >= before
    assert row.details["when"].startswith(before.strftime("%Y-%m-%dT%H:%M:%S"))  # JSON-safe


def test_an_action_that_fails_leaves_no_row(alice, admin_staff):
    with pytest.raises(services.StaffActionError):
        services.claw_back_points(alice, 10, admin_staff, "nothing to take")
    assert not AuditEntry.objects.exists()


def test_the_admin_shows_the_log_read_only_and_filters_it(client, alice, bob, admin_staff):
    services.grant_points(alice, 10, admin_staff, "alice's goodwill")
    services.suspend_user(bob, admin_staff, "bob's spam")
    row = AuditEntry.objects.get(action="grant")
    client.force_login(admin_staff)
    url = reverse("admin:staff_auditentry_changelist")

    everything = client.get(url).content.decode()
    suspensions = client.get(url, {"action__exact": "suspend"}).content.decode()
    by_user = client.get(url, {"q": "alice@example.com"}).content.decode()

    assert "alice&#x27;s goodwill" in everything and "bob&#x27;s spam" in everything
    assert "bob&#x27;s spam" in suspensions and "goodwill" not in suspensions
    assert "goodwill" in by_user and "bob&#x27;s spam" not in by_user
    change = reverse("admin:staff_auditentry_change", args=[row.pk])
    assert client.get(change).status_code == 200  # viewable
    assert client.post(change, {"reason": "edited"}).status_code == 403
    assert client.post(reverse("admin:staff_auditentry_delete", args=[row.pk])).status_code == 403
    assert client.get(reverse("admin:staff_auditentry_add")).status_code == 403
    assert AuditEntry.objects.get(pk=row.pk).reason == "alice's goodwill"


def test_editing_a_screening_rule_is_a_setting_change_row(client, admin_staff):
    client.force_login(admin_staff)
    add = reverse("admin:moderation_blockedterm_add")

    client.post(
        add, {"term": "forbidden-word", "category": "hate", "action": "refuse", "active": "on"}
    )
    term = BlockedTerm.objects.get(term="forbidden-word")
    client.post(
        reverse("admin:moderation_blockedterm_change", args=[term.pk]),
        {"term": "forbidden-word", "category": "hate", "action": "review", "active": "on"},
    )
    client.post(reverse("admin:moderation_blockedterm_delete", args=[term.pk]), {"post": "yes"})

    rows = list(AuditEntry.objects.filter(action="setting_change").order_by("id"))
    assert [r.reason for r in rows] == ["added", "changed", "deleted"]
    assert all(
        r.staff == admin_staff and r.details["model"] == "moderation.BlockedTerm" for r in rows
    )
    assert rows[1].details["changes"] == {"action": {"from": "refuse", "to": "review"}}
    assert rows[2].details["deleted"]["term"] == "forbidden-word"
    assert not BlockedTerm.objects.filter(term="forbidden-word").exists()


def test_moderators_may_read_the_rules_but_not_change_them(client):
    client.force_login(staff_member("mod@example.com", "Moderators"))

    assert client.get(reverse("admin:moderation_blockedterm_changelist")).status_code == 200
    response = client.post(
        reverse("admin:moderation_blockedterm_add"),
        {"term": "x", "category": "hate", "action": "refuse"},
    )
    assert response.status_code == 403
    assert not AuditEntry.objects.exists()


def test_assigning_a_plan_is_a_plan_change_row(client, admin_staff):
    carol = make_user("carol@example.com")
    pro = tier("pro")
    client.force_login(admin_staff)
    start = timezone.localtime() - timedelta(minutes=1)

    response = client.post(
        reverse("admin:billing_membership_add"),
        {
            "user": carol.pk,
            "tier": pro.pk,
            "period": "monthly",
            "starts_at_0": start.strftime("%Y-%m-%d"),
            "starts_at_1": start.strftime("%H:%M:%S"),
            "status": "active",
        },
    )

    assert response.status_code == 302, response.content.decode()[-3000:]
    membership = Membership.objects.get(user=carol)
    row = AuditEntry.objects.get(action="plan_change")
    assert (row.staff, row.subject_user, row.target_id) == (admin_staff, carol, str(membership.pk))
    assert row.details["tier"] == "pro" and row.reason == "assigned"


def test_giving_someone_a_staff_role_is_recorded_without_secrets(client, admin_staff):
    from django.contrib.auth.models import Group

    from tests.conftest import PASSWORD

    superuser = make_user("root@example.com", is_staff=True, is_superuser=True)
    dora = make_user("dora@example.com")
    client.force_login(superuser)
    moderators = Group.objects.get(name="Moderators")

    response = client.post(
        reverse("admin:accounts_user_change", args=[dora.pk]),
        {
            "email": dora.email,
            "display_name": "",
            "is_staff": "on",
            "groups": [moderators.pk],
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )

    assert response.status_code == 302, response.content.decode()[-2000:]
    dora.refresh_from_db()
    assert dora.is_staff and dora.groups.filter(name="Moderators").exists()
    row = AuditEntry.objects.get(action="setting_change")
    assert (row.staff, row.subject_user) == (superuser, dora)
    assert row.details["changes"]["groups"] == {"from": [], "to": ["Moderators"]}
    assert row.details["changes"]["is_staff"] == {"from": False, "to": True}
    assert PASSWORD not in str(row.details) and dora.password not in str(row.details)


def test_suspending_is_not_done_by_ticking_a_box(client):
    superuser = make_user("root@example.com", is_staff=True, is_superuser=True)
    client.force_login(superuser)

    page = client.get(reverse("admin:accounts_user_change", args=[superuser.pk])).content
    assert b'name="is_active"' not in page
