"""Holding, capturing, releasing: spend order, exact refunds, idempotency, no overdraft."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from billing import ledger
from billing.models import Entry, Hold, HoldDraw, Lot

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 3, 10, 12, 0, tzinfo=SHANGHAI)
MIDNIGHT = datetime(2025, 3, 11, 0, 0, tzinfo=SHANGHAI)
MONTH_END = datetime(2025, 4, 1, 0, 0, tzinfo=SHANGHAI)


def give(user, source, amount, expires_at, ref=None):
    lot, created = ledger.grant(
        user, amount, source, ref or f"{source}:{user.pk}:{amount}", expires_at, now=NOW
    )
    assert created
    return lot


def draws(held: Hold) -> list[tuple[str, int]]:
    return [(d.lot.source, d.amount) for d in held.draws.select_related("lot").order_by("id")]


def remaining(*lots: Lot) -> list[int]:
    return [Lot.objects.get(pk=lot.pk).remaining for lot in lots]


def test_hold_spends_daily_points_first_then_membership_then_top_ups(alice):
    topup = give(alice, Lot.Source.TOPUP, 1000, None)
    membership = give(alice, Lot.Source.MEMBERSHIP, 300, MONTH_END)
    daily = give(alice, Lot.Source.DAILY, 200, MIDNIGHT)

    held = ledger.hold(alice, 700, "job:1", now=NOW)

    assert draws(held) == [("daily", 200), ("membership", 300), ("topup", 200)]
    assert remaining(daily, membership, topup) == [0, 0, 800]
    assert ledger.balance(alice, NOW) == 800


def test_daily_points_go_before_membership_points_expiring_the_same_midnight(alice):
    # On the last day of a month both lapse at the same moment: the daily lot is spent first.
    membership = give(alice, Lot.Source.MEMBERSHIP, 300, MIDNIGHT)
    daily = give(alice, Lot.Source.DAILY, 200, MIDNIGHT)

    held = ledger.hold(alice, 250, "job:1", now=NOW)

    assert draws(held) == [("daily", 200), ("membership", 50)]
    assert remaining(daily, membership) == [0, 250]


def test_soonest_expiry_is_spent_first_and_never_expiring_points_last(alice):
    forever = give(alice, Lot.Source.STAFF, 100, None)
    later = give(alice, Lot.Source.TOPUP, 100, NOW + timedelta(days=700))
    sooner = give(alice, Lot.Source.PROMOTION, 100, NOW + timedelta(days=3))

    held = ledger.hold(alice, 250, "job:1", now=NOW)

    assert draws(held) == [("promotion", 100), ("topup", 100), ("staff", 50)]
    assert remaining(sooner, later, forever) == [0, 0, 50]


def test_a_hold_spanning_lots_releases_back_into_exactly_those_lots(alice):
    topup = give(alice, Lot.Source.TOPUP, 1000, None)
    membership = give(alice, Lot.Source.MEMBERSHIP, 300, MONTH_END)
    daily = give(alice, Lot.Source.DAILY, 200, MIDNIGHT)
    ledger.hold(alice, 700, "job:1", now=NOW)

    ledger.release("job:1", now=NOW + timedelta(minutes=5))

    assert remaining(daily, membership, topup) == [200, 300, 1000]
    releases = Entry.objects.filter(kind=Entry.Kind.RELEASE, ref="job:1").order_by("id")
    assert [(e.lot.source, e.amount) for e in releases] == [
        ("daily", 200),
        ("membership", 300),
        ("topup", 200),
    ]
    assert Hold.objects.get(ref="job:1").status == Hold.Status.RELEASED
    assert ledger.balance(alice, NOW) == 1500


def test_hold_refuses_when_short_and_changes_nothing(alice):
    daily = give(alice, Lot.Source.DAILY, 60, MIDNIGHT)
    entries_before = Entry.objects.count()

    with pytest.raises(ledger.NotEnoughPoints, match=r"^not enough points: need 10, have 6$"):
        ledger.hold(alice, 100, "job:1", now=NOW)

    assert Entry.objects.count() == entries_before
    assert not Hold.objects.exists()
    assert not HoldDraw.objects.exists()
    assert remaining(daily) == [60]
    assert ledger.balance(alice, NOW) == 60


def test_the_refusal_names_fractions_of_a_point_exactly(alice):
    give(alice, Lot.Source.DAILY, 1, MIDNIGHT)
    with pytest.raises(ledger.NotEnoughPoints) as refused:
        ledger.hold(alice, 2, "job:picture", now=NOW)
    assert str(refused.value) == "not enough points: need 0.2, have 0.1"
    assert (refused.value.need, refused.value.have) == (2, 1)


def test_expired_points_cannot_be_held(alice):
    give(alice, Lot.Source.DAILY, 660, MIDNIGHT)

    with pytest.raises(ledger.NotEnoughPoints, match="need 10, have 0"):
        ledger.hold(alice, 100, "job:1", now=MIDNIGHT + timedelta(hours=9))


def test_holding_the_same_ref_twice_holds_once(alice):
    give(alice, Lot.Source.TOPUP, 1000, None)

    first = ledger.hold(alice, 100, "job:1", now=NOW)
    again = ledger.hold(alice, 100, "job:1", now=NOW)

    assert first.pk == again.pk
    assert Entry.objects.filter(kind=Entry.Kind.HOLD).count() == 1
    assert ledger.balance(alice, NOW) == 900


def test_holding_a_taken_ref_for_another_amount_is_refused(alice, bob):
    give(alice, Lot.Source.TOPUP, 1000, None)
    give(bob, Lot.Source.TOPUP, 1000, None)
    ledger.hold(alice, 100, "job:1", now=NOW)

    with pytest.raises(ledger.LedgerError):
        ledger.hold(alice, 200, "job:1", now=NOW)
    with pytest.raises(ledger.LedgerError):
        ledger.hold(bob, 100, "job:1", now=NOW)
    assert ledger.balance(bob, NOW) == 1000


def test_capture_settles_the_hold_and_moves_nothing_more(alice):
    give(alice, Lot.Source.TOPUP, 1000, None)
    ledger.hold(alice, 350, "job:1", now=NOW)

    held = ledger.capture("job:1", now=NOW)

    assert held.status == Hold.Status.CAPTURED
    capture = Entry.objects.get(kind=Entry.Kind.CAPTURE)
    assert (capture.amount, capture.balance_after, capture.ref) == (0, 650, "job:1")
    assert ledger.balance(alice, NOW) == 650


def test_capture_twice_captures_once(alice):
    give(alice, Lot.Source.TOPUP, 1000, None)
    ledger.hold(alice, 100, "job:1", now=NOW)

    ledger.capture("job:1", now=NOW)
    ledger.capture("job:1", now=NOW)

    assert Entry.objects.filter(kind=Entry.Kind.CAPTURE).count() == 1
    assert ledger.balance(alice, NOW) == 900


def test_release_twice_releases_once(alice):
    give(alice, Lot.Source.TOPUP, 1000, None)
    ledger.hold(alice, 100, "job:1", now=NOW)

    ledger.release("job:1", now=NOW)
    ledger.release("job:1", now=NOW)

    assert Entry.objects.filter(kind=Entry.Kind.RELEASE).count() == 1
    assert ledger.balance(alice, NOW) == 1000


def test_release_after_capture_is_refused(alice):
    give(alice, Lot.Source.TOPUP, 1000, None)
    ledger.hold(alice, 100, "job:1", now=NOW)
    ledger.capture("job:1", now=NOW)

    with pytest.raises(ledger.HoldAlreadySettled, match="cannot release job:1: .* already spent"):
        ledger.release("job:1", now=NOW)

    assert Hold.objects.get(ref="job:1").status == Hold.Status.CAPTURED
    assert not Entry.objects.filter(kind=Entry.Kind.RELEASE).exists()
    assert ledger.balance(alice, NOW) == 900


def test_capture_after_release_is_refused(alice):
    give(alice, Lot.Source.TOPUP, 1000, None)
    ledger.hold(alice, 100, "job:1", now=NOW)
    ledger.release("job:1", now=NOW)

    with pytest.raises(ledger.HoldAlreadySettled, match="cannot capture job:1"):
        ledger.capture("job:1", now=NOW)
    assert ledger.balance(alice, NOW) == 1000


def test_settling_an_unknown_ref_is_refused(alice):
    with pytest.raises(ledger.HoldNotFound):
        ledger.capture("job:404")
    with pytest.raises(ledger.HoldNotFound):
        ledger.release("job:404")


def test_release_after_the_lot_expired_returns_the_points_as_a_week_long_refund_lot(alice):
    daily = give(alice, Lot.Source.DAILY, 660, MIDNIGHT)
    ledger.hold(alice, 100, "job:1", now=NOW)
    later = MIDNIGHT + timedelta(hours=2)  # the job finished (failed) after midnight

    ledger.release("job:1", now=later)

    assert remaining(daily) == [0]
    expired = Entry.objects.get(kind=Entry.Kind.EXPIRE)
    assert (expired.lot_id, expired.amount) == (daily.pk, -560)
    refund = Lot.objects.get(source=Lot.Source.REFUND)
    assert (refund.amount, refund.remaining, refund.source_ref) == (100, 100, "refund:job:1")
    assert refund.expires_at >= later + timedelta(days=7)
    release = Entry.objects.get(kind=Entry.Kind.RELEASE)
    assert (release.lot_id, release.amount, release.ref) == (refund.pk, 100, "job:1")
    assert ledger.balance(alice, later) == 100


def test_release_returns_live_lots_in_place_and_only_the_expired_part_as_refund(alice):
    topup = give(alice, Lot.Source.TOPUP, 1000, None)
    give(alice, Lot.Source.DAILY, 200, MIDNIGHT)
    ledger.hold(alice, 500, "job:1", now=NOW)  # 200 daily + 300 top-up

    ledger.release("job:1", now=MIDNIGHT + timedelta(minutes=1))

    assert remaining(topup) == [1000]
    assert Lot.objects.get(source=Lot.Source.REFUND).amount == 200
    assert ledger.balance(alice, MIDNIGHT + timedelta(minutes=1)) == 1200


def test_captured_points_from_a_lot_that_later_expires_stay_spent(alice):
    daily = give(alice, Lot.Source.DAILY, 660, MIDNIGHT)
    ledger.hold(alice, 100, "job:1", now=NOW)
    ledger.capture("job:1", now=NOW)

    assert ledger.expire_lots(MIDNIGHT) == 1

    assert remaining(daily) == [0]
    assert Entry.objects.get(kind=Entry.Kind.EXPIRE).amount == -560
    assert ledger.balance(alice, MIDNIGHT) == 0


def test_a_hold_inside_the_callers_transaction_rolls_back_with_it(alice):
    from django.db import transaction

    give(alice, Lot.Source.TOPUP, 1000, None)
    with pytest.raises(RuntimeError), transaction.atomic():
        ledger.hold(alice, 100, "job:1", now=NOW)
        raise RuntimeError("the job could not be created")

    assert not Hold.objects.exists()
    assert ledger.balance(alice, NOW) == 1000


def test_the_history_lists_every_movement_newest_first(alice):
    give(alice, Lot.Source.TOPUP, 1000, None)
    ledger.hold(alice, 100, "job:1", now=NOW)
    ledger.capture("job:1", now=NOW)
    ledger.hold(alice, 100, "job:2", now=NOW)
    ledger.release("job:2", now=NOW)

    kinds = [(e.kind, e.amount, e.balance_after) for e in ledger.history(alice)]

    assert kinds == [
        ("release", 100, 900),
        ("hold", -100, 800),
        ("capture", 0, 900),
        ("hold", -100, 900),
        ("grant", 1000, 1000),
    ]
    assert ledger.held_total(alice) == 0
