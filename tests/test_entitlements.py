"""Membership tiers: what each plan may do, and its monthly points granted month by month."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from billing import ledger, tasks
from billing.entitlements import FREE, entitlements
from billing.memberships import add_months, grant_membership_points, membership_end
from billing.models import Entry, Lot, Membership, Tier
from tests.conftest import make_user, tier

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2025, 1, 15, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def tiers(db):
    """The seeded tiers (re-seeded if a transactional test flushed them)."""
    return {code: tier(code) for code in ("standard", "pro", "premier")}


def assign(user, tier, period=Membership.Period.MONTHLY, starts_at=START, **extra):
    return Membership.objects.create(
        user=user,
        tier=tier,
        period=period,
        starts_at=starts_at,
        ends_at=membership_end(starts_at, period),
        **extra,
    )


def membership_lots(user):
    return list(
        Lot.objects.filter(wallet__user=user, source=Lot.Source.MEMBERSHIP).order_by("granted_at")
    )


def test_the_three_tiers_are_seeded_with_their_points_and_limits(db):
    seeded = {t.code: (t.monthly_points, t.max_concurrent_jobs) for t in Tier.objects.all()}
    assert seeded == {"standard": (6600, 3), "pro": (30000, 5), "premier": (80000, 10)}


def test_anonymous_visitors_and_free_users_get_the_free_set(alice):
    from django.contrib.auth.models import AnonymousUser

    assert entitlements(AnonymousUser()) == FREE
    assert entitlements(alice) == FREE
    assert FREE.tier is None
    assert FREE.max_concurrent_jobs == 1
    assert not (FREE.no_watermark or FREE.professional_mode or FREE.priority_queue)


def test_a_member_gets_their_tiers_entitlements(alice, tiers):
    assign(alice, tiers["pro"])

    allowed = entitlements(alice, START + timedelta(days=3))

    assert allowed.tier == tiers["pro"]
    assert allowed.is_member
    assert allowed.no_watermark and allowed.professional_mode and allowed.video_extension
    assert allowed.camera_movement and allowed.priority_queue
    assert allowed.max_concurrent_jobs == 5
    assert allowed.max_resolution == 1080


def test_the_highest_current_tier_wins(alice, tiers):
    assign(alice, tiers["standard"], Membership.Period.ANNUAL)
    assign(alice, tiers["premier"])

    assert entitlements(alice, START + timedelta(days=3)).max_concurrent_jobs == 10
    # A month later the premier month is over; the annual standard plan remains.
    assert entitlements(alice, START + timedelta(days=40)).tier == tiers["standard"]


def test_an_ended_future_or_canceled_membership_gives_the_free_set(alice, tiers):
    assign(alice, tiers["pro"])
    assert entitlements(alice, START - timedelta(seconds=1)) == FREE
    assert entitlements(alice, membership_end(START, "monthly")) == FREE

    assign(alice, tiers["premier"], status=Membership.Status.CANCELED)
    assert entitlements(alice, START + timedelta(days=1)).tier == tiers["pro"]


def test_entitlements_change_when_staff_edit_a_tier(alice, tiers):
    assign(alice, tiers["standard"])
    tiers["standard"].camera_movement = True
    tiers["standard"].save()

    assert entitlements(alice, START + timedelta(days=1)).camera_movement


def test_each_month_of_a_quarter_grants_the_monthly_points_once(alice, tiers):
    membership = assign(alice, tiers["standard"], Membership.Period.QUARTERLY)

    for day in [0, 1, 20, 31, 40, 59, 60, 89]:
        grant_membership_points(alice, START + timedelta(days=day))
    grant_membership_points(alice, START + timedelta(days=95))  # after the quarter: nothing

    lots = membership_lots(alice)
    assert [lot.source_ref for lot in lots] == [
        f"membership:{membership.pk}:0",
        f"membership:{membership.pk}:1",
        f"membership:{membership.pk}:2",
    ]
    assert [lot.amount for lot in lots] == [6600, 6600, 6600]
    assert [lot.expires_at for lot in lots] == [
        datetime(2025, 2, 15, 10, 0, tzinfo=SHANGHAI),
        datetime(2025, 3, 15, 10, 0, tzinfo=SHANGHAI),
        datetime(2025, 4, 15, 10, 0, tzinfo=SHANGHAI),
    ]


def test_unused_monthly_points_lapse_at_the_months_end(alice, tiers):
    assign(alice, tiers["standard"], Membership.Period.QUARTERLY)
    grant_membership_points(alice, START)
    ledger.hold(alice, 100, "job:1", now=START)
    ledger.capture("job:1", now=START)

    second_month = add_months(START, 1)
    grant_membership_points(alice, second_month)

    first, second = membership_lots(alice)
    expired = Entry.objects.get(kind=Entry.Kind.EXPIRE)
    assert (expired.lot, expired.amount) == (first, -6500)
    assert (first.remaining, second.remaining) == (0, 6600)
    assert ledger.balance(alice, second_month) == 6600


def test_a_membership_from_31_january_renews_on_the_last_day_of_february(db):
    start = datetime(2024, 1, 31, 9, 0, tzinfo=SHANGHAI)
    assert add_months(start, 1) == datetime(2024, 2, 29, 9, 0, tzinfo=SHANGHAI)
    assert add_months(start, 2) == datetime(2024, 3, 31, 9, 0, tzinfo=SHANGHAI)
    assert membership_end(start, "annual") == datetime(2025, 1, 31, 9, 0, tzinfo=SHANGHAI)


def test_a_members_first_request_grants_this_months_points(client, alice, tiers):
    now = timezone.now()
    assign(alice, tiers["pro"], starts_at=now - timedelta(days=3))
    client.force_login(alice)

    client.get("/pricing/")

    assert [lot.amount for lot in membership_lots(alice)] == [30000]
    assert ledger.balance(alice) == 30000 + 660  # plus today's daily points


def test_the_periodic_task_grants_every_current_membership(alice, bob, tiers):
    now = timezone.now()
    assign(alice, tiers["pro"], starts_at=now - timedelta(days=3))
    assign(bob, tiers["premier"], Membership.Period.ANNUAL, starts_at=now - timedelta(days=100))
    assign(bob, tiers["standard"], starts_at=now + timedelta(days=3))  # not started

    assert tasks.grant_monthly_membership_points() == 2
    tasks.grant_monthly_membership_points()

    assert [lot.amount for lot in membership_lots(alice)] == [30000]
    assert [lot.amount for lot in membership_lots(bob)] == [80000]
    assert membership_lots(bob)[0].source_ref.endswith(":3")  # the fourth month of the year


def test_staff_assign_a_membership_in_the_admin(client, alice, tiers):
    staff = make_user("admin@example.com", is_staff=True, is_superuser=True)
    client.force_login(staff)
    now = timezone.localtime()

    response = client.post(
        "/admin/billing/membership/add/",
        {
            "user": alice.pk,
            "tier": tiers["premier"].pk,
            "period": "quarterly",
            "starts_at_0": now.strftime("%Y-%m-%d"),
            "starts_at_1": now.strftime("%H:%M:%S"),
            "ends_at_0": "",
            "ends_at_1": "",
            "status": "active",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    membership = Membership.objects.get(user=alice)
    assert membership.assigned_by == staff
    assert membership.ends_at == membership_end(membership.starts_at, "quarterly")
    assert [lot.amount for lot in membership_lots(alice)] == [80000]
    assert entitlements(alice).tier == tiers["premier"]
