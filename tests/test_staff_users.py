"""Staff and users: suspend (logins refused, active jobs canceled and refunded), grant and take
back points with a reason, and one page with a user's jobs, points, payments and flags."""

import pytest
from django.urls import reverse

from billing import ledger
from billing.models import Entry, Hold, Lot
from generation.models import Job
from generation.moderation.models import BlockedTerm
from tests.conftest import PASSWORD, make_user
from tests.gen_helpers import give_points
from tests.staff_helpers import staff_member, submit_job
from webapp.staff import services
from webapp.staff.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def support(db):
    return staff_member("support@example.com", "Support")


@pytest.fixture
def moderator(db):
    return staff_member("mod@example.com", "Moderators")


def test_suspending_refuses_login_and_cancels_and_refunds_queued_jobs(client, alice, support):
    job = submit_job(alice)
    before = ledger.balance(alice)
    assert Hold.objects.get(ref=job.ledger_ref).status == Hold.Status.HELD

    client.force_login(support)
    response = client.post(
        reverse("staff:suspend", args=[alice.pk]), {"reason": "chargeback fraud"}
    )

    assert response.status_code == 302
    alice.refresh_from_db()
    job.refresh_from_db()
    assert not alice.is_active
    assert job.status == Job.Status.CANCELED
    assert Hold.objects.get(ref=job.ledger_ref).status == Hold.Status.RELEASED
    assert ledger.balance(alice) == before + job.points_held
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SUSPEND)
    assert (entry.staff, entry.subject_user, entry.reason) == (support, alice, "chargeback fraud")
    assert entry.details == {"canceled_jobs": [job.pk]}

    client.logout()
    login = client.post(reverse("account_login"), {"login": alice.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert login.status_code in (200, 302) and "inactive" in login.url


def test_suspending_also_cancels_a_job_held_for_review_before_it_ran(client, alice, support):
    BlockedTerm.objects.create(term="quokkanite", category="violence", action="review")
    job = submit_job(alice, prompt="a quokkanite parade")
    assert job.status == Job.Status.REVIEW

    client.force_login(support)
    client.post(reverse("staff:suspend", args=[alice.pk]), {"reason": "ban evasion"})

    job.refresh_from_db()
    assert job.status == Job.Status.CANCELED
    assert Hold.objects.get(ref=job.ledger_ref).status == Hold.Status.RELEASED


def test_a_suspended_users_open_session_ends(client, alice, support):
    client.force_login(alice)
    assert client.get(reverse("points")).status_code == 200

    services.suspend_user(alice, support, "spam")

    assert client.get(reverse("points")).status_code == 302  # to the login page


def test_suspension_needs_a_reason_and_is_recorded_once(alice, support):
    with pytest.raises(services.StaffActionError):
        services.suspend_user(alice, support, "  ")
    services.suspend_user(alice, support, "spam")
    services.suspend_user(alice, support, "spam again")

    assert AuditEntry.objects.filter(action=AuditEntry.Action.SUSPEND).count() == 1


def test_lifting_a_suspension_lets_the_user_log_in_again(client, alice, support):
    services.suspend_user(alice, support, "spam")
    client.force_login(support)

    client.post(reverse("staff:unsuspend", args=[alice.pk]), {"reason": "appeal accepted"})

    alice.refresh_from_db()
    assert alice.is_active
    assert AuditEntry.objects.filter(action=AuditEntry.Action.UNSUSPEND, reason="appeal accepted")
    client.logout()
    assert client.login(email=alice.email, password=PASSWORD)


def test_staff_grant_points_with_a_reason_named_in_the_ledger(client, alice, support):
    client.force_login(support)

    response = client.post(
        reverse("staff:points", args=[alice.pk]),
        {"direction": "grant", "amount": "12.5", "reason": "outage compensation"},
    )

    assert response.status_code == 302
    assert ledger.balance(alice) == 125
    entry = Entry.objects.get(kind=Entry.Kind.ADJUST)
    assert (entry.amount, entry.staff, entry.reason) == (125, support, "outage compensation")
    assert entry.lot.source == Lot.Source.STAFF and entry.lot.expires_at is None
    row = AuditEntry.objects.get(action=AuditEntry.Action.GRANT)
    assert (row.staff, row.subject_user, row.reason) == (support, alice, "outage compensation")
    assert row.details["amount"] == 125


def test_claw_back_never_goes_below_zero(client, alice, support):
    give_points(alice, 10)
    client.force_login(support)
    url = reverse("staff:points", args=[alice.pk])

    client.post(url, {"direction": "claw_back", "amount": "11", "reason": "abuse"})
    assert ledger.balance(alice) == 100
    assert not AuditEntry.objects.exists()

    client.post(url, {"direction": "claw_back", "amount": "4", "reason": "abuse"})
    assert ledger.balance(alice) == 60
    row = AuditEntry.objects.get()
    assert (row.action, row.details["amount"]) == (AuditEntry.Action.CLAW_BACK, 40)


def test_a_points_change_without_a_reason_is_refused(client, alice, support):
    client.force_login(support)

    client.post(
        reverse("staff:points", args=[alice.pk]),
        {"direction": "grant", "amount": "5", "reason": ""},
    )

    assert ledger.balance(alice) == 0
    assert not AuditEntry.objects.exists()


def test_the_user_page_shows_jobs_points_payments_and_staff_actions(client, alice, support):
    ledger.grant(alice, 1000, Lot.Source.TOPUP, "pay:abc", None, "100-point pack")
    job = submit_job(alice, prompt="a lighthouse in fog")
    services.grant_points(alice, 50, support, "welcome back")
    client.force_login(support)

    page = client.get(reverse("staff:user", args=[alice.pk])).content.decode()

    assert "a lighthouse in fog" in page and f'data-testid="user-job-{job.pk}"' in page
    assert "pay:abc" in page  # the top-up, standing in for payments
    assert "welcome back" in page and support.email in page
    assert f'data-testid="user-balance">{ledger.balance(alice) // 10}' in page


def test_moderators_see_the_user_page_but_cannot_suspend_or_grant(client, alice, moderator):
    client.force_login(moderator)

    page = client.get(reverse("staff:user", args=[alice.pk]))
    assert page.status_code == 200  # they may read the user's history
    assert b'data-testid="suspend-form"' not in page.content
    assert b'data-testid="points-form"' not in page.content
    assert (
        client.post(reverse("staff:suspend", args=[alice.pk]), {"reason": "x"}).status_code == 403
    )
    points = client.post(
        reverse("staff:points", args=[alice.pk]),
        {"direction": "grant", "amount": "5", "reason": "x"},
    )
    assert points.status_code == 403
    alice.refresh_from_db()
    assert alice.is_active and ledger.balance(alice) == 0


def test_staff_cannot_suspend_themselves(support):
    with pytest.raises(services.StaffActionError):
        services.suspend_user(support, support, "oops")


def test_the_wallet_adjust_page_is_audited_too(client, alice, support):
    give_points(alice, 10)
    client.force_login(make_user("root@example.com", is_staff=True, is_superuser=True))
    wallet = alice.wallet

    client.post(
        f"/admin/billing/wallet/{wallet.pk}/adjust/", {"amount": "-2.5", "reason": "duplicate"}
    )

    row = AuditEntry.objects.get()
    assert (row.action, row.reason, row.subject_user) == ("claw_back", "duplicate", alice)


def test_only_a_superuser_suspends_a_staff_account(support, moderator):
    with pytest.raises(services.StaffActionError):
        services.suspend_user(moderator, support, "rogue moderator")
    moderator.refresh_from_db()
    assert moderator.is_active

    root = make_user("root@example.com", is_staff=True, is_superuser=True)
    services.suspend_user(moderator, root, "rogue moderator")
    moderator.refresh_from_db()
    assert not moderator.is_active


def test_staff_cannot_change_their_own_points(support):
    with pytest.raises(services.StaffActionError):
        services.grant_points(support, 100, support, "bonus for me")
    assert ledger.balance(support) == 0
    assert not AuditEntry.objects.exists()
