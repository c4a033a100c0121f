"""Grants, expiry, staff adjustments, the append-only ledger and exact units."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone

from billing import ledger, tasks
from billing.models import Entry, Lot, Wallet
from billing.units import PointsSyntaxError, format_points, format_signed_points, parse_points
from tests.conftest import make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 3, 10, 12, 0, tzinfo=SHANGHAI)
MIDNIGHT = datetime(2025, 3, 11, 0, 0, tzinfo=SHANGHAI)


@pytest.fixture
def staff(db):
    return make_user("staff@example.com", is_staff=True)


def test_a_grant_is_applied_once_per_source_and_ref(alice):
    first, created = ledger.grant(alice, 500, Lot.Source.TOPUP, "pay:abc", None, "pack", now=NOW)
    again, created_again = ledger.grant(alice, 500, Lot.Source.TOPUP, "pay:abc", None, now=NOW)

    assert (created, created_again) == (True, False)
    assert first.pk == again.pk
    assert Entry.objects.filter(kind=Entry.Kind.GRANT).count() == 1
    assert ledger.balance(alice, NOW) == 500


def test_the_same_ref_under_another_source_is_another_grant(alice):
    ledger.grant(alice, 500, Lot.Source.TOPUP, "x:1", None, now=NOW)
    ledger.grant(alice, 100, Lot.Source.PROMOTION, "x:1", None, now=NOW)
    assert ledger.balance(alice, NOW) == 600


def test_a_grant_records_what_it_is_for(alice):
    lot, _ = ledger.grant(alice, 500, Lot.Source.TOPUP, "pay:abc", None, "50-point pack", now=NOW)
    entry = Entry.objects.get()
    assert (entry.kind, entry.amount, entry.balance_after) == ("grant", 500, 500)
    assert (entry.lot, entry.ref, entry.reason) == (lot, "pay:abc", "50-point pack")


def test_a_grant_cannot_start_expired(alice):
    with pytest.raises(ledger.LedgerError):
        ledger.grant(alice, 500, Lot.Source.PROMOTION, "late", NOW, now=NOW)
    assert not Lot.objects.exists()


@pytest.mark.parametrize("amount", [0, -5, 2.5, "10", True])
def test_amounts_must_be_positive_integers_of_tenths(alice, amount):
    with pytest.raises(ledger.LedgerError):
        ledger.grant(alice, amount, Lot.Source.PROMOTION, "bad", None, now=NOW)
    with pytest.raises(ledger.LedgerError):
        ledger.hold(alice, amount, "job:bad", now=NOW)


def test_expire_lots_writes_off_each_remainder_with_an_entry(alice, bob):
    ledger.grant(alice, 660, Lot.Source.DAILY, "d:a", MIDNIGHT, now=NOW)
    ledger.grant(bob, 660, Lot.Source.DAILY, "d:b", MIDNIGHT, now=NOW)
    ledger.grant(bob, 100, Lot.Source.TOPUP, "t:b", None, now=NOW)
    ledger.hold(alice, 100, "job:1", now=NOW)

    assert ledger.expire_lots(MIDNIGHT - timedelta(seconds=1)) == 0
    assert ledger.expire_lots(MIDNIGHT) == 2
    assert ledger.expire_lots(MIDNIGHT) == 0  # nothing left to write off

    expiries = Entry.objects.filter(kind=Entry.Kind.EXPIRE).order_by("wallet__user__email")
    assert [(e.wallet.user.email, e.amount) for e in expiries] == [
        ("alice@example.com", -560),
        ("bob@example.com", -660),
    ]
    assert ledger.balance(alice, MIDNIGHT) == 0
    assert ledger.balance(bob, MIDNIGHT) == 100


def test_the_periodic_task_expires_lots(alice):
    ledger.grant(alice, 660, Lot.Source.DAILY, "d:a", timezone.now() + timedelta(hours=1))
    past = datetime(2000, 1, 1, tzinfo=SHANGHAI)
    ledger.grant(alice, 10, Lot.Source.PROMOTION, "old", past + timedelta(days=1), now=past)

    assert tasks.expire_points() == 1  # the promotion expired long ago; the other is live
    assert Entry.objects.filter(kind=Entry.Kind.EXPIRE).count() == 1
    assert ledger.balance(alice) == 660


def test_reading_the_balance_writes_off_expired_lots_first(alice):
    ledger.grant(alice, 660, Lot.Source.DAILY, "d:a", MIDNIGHT, now=NOW)

    assert ledger.balance(alice, NOW) == 660
    assert ledger.balance(alice, MIDNIGHT) == 0
    assert Entry.objects.filter(kind=Entry.Kind.EXPIRE).count() == 1


def test_a_user_without_a_wallet_has_zero(alice):
    assert ledger.balance(alice) == 0
    assert ledger.live_lots(alice) == []
    assert not Wallet.objects.exists()


def test_a_staff_grant_records_who_and_why(alice, staff):
    entries = ledger.adjust(alice, 250, "sorry for the outage", staff, now=NOW)

    assert [(e.kind, e.amount, e.staff, e.reason) for e in entries] == [
        ("adjust", 250, staff, "sorry for the outage")
    ]
    lot = entries[0].lot
    assert (lot.source, lot.expires_at) == (Lot.Source.STAFF, None)
    assert ledger.balance(alice, NOW) == 250


def test_a_staff_clawback_takes_from_the_soonest_expiring_lots(alice, staff):
    daily, _ = ledger.grant(alice, 660, Lot.Source.DAILY, "d:a", MIDNIGHT, now=NOW)
    topup, _ = ledger.grant(alice, 1000, Lot.Source.TOPUP, "t:a", None, now=NOW)

    entries = ledger.adjust(alice, -700, "duplicate top-up", staff, now=NOW)

    assert [(e.lot.source, e.amount, e.staff) for e in entries] == [
        ("daily", -660, staff),
        ("topup", -40, staff),
    ]
    assert ledger.balance(alice, NOW) == 960


def test_a_clawback_never_takes_the_balance_below_zero(alice, staff):
    ledger.grant(alice, 100, Lot.Source.TOPUP, "t:a", None, now=NOW)

    with pytest.raises(ledger.NotEnoughPoints, match="need 20, have 10"):
        ledger.adjust(alice, -200, "too much", staff, now=NOW)
    assert ledger.balance(alice, NOW) == 100


def test_an_adjustment_needs_a_reason_and_a_staff_user(alice, staff):
    with pytest.raises(ledger.LedgerError):
        ledger.adjust(alice, 100, "  ", staff)
    with pytest.raises(ledger.LedgerError):
        ledger.adjust(alice, 100, "why", None)
    assert not Entry.objects.exists()


def test_entries_cannot_be_edited_or_deleted(alice):
    ledger.grant(alice, 500, Lot.Source.TOPUP, "pay:abc", None, now=NOW)
    entry = Entry.objects.get()

    entry.amount = 5000
    with pytest.raises(TypeError, match="append-only"):
        entry.save()
    with pytest.raises(TypeError, match="append-only"):
        entry.delete()
    with pytest.raises(TypeError, match="append-only"):
        Entry.objects.filter(pk=entry.pk).update(amount=5000)
    with pytest.raises(TypeError, match="append-only"):
        Entry.objects.all().delete()
    with pytest.raises(TypeError, match="append-only"):
        Entry.objects.bulk_update([entry], ["amount"])
    assert Entry.objects.get().amount == 500


def test_deleting_an_account_deletes_its_ledger(alice):
    ledger.grant(alice, 500, Lot.Source.TOPUP, "pay:abc", None, now=NOW)
    ledger.hold(alice, 100, "job:1", now=NOW)

    alice.delete()

    assert not Entry.objects.exists()
    assert not Lot.objects.exists()


@pytest.mark.parametrize(
    ("tenths", "shown", "signed"),
    [
        (660, "66", "+66"),
        (2, "0.2", "+0.2"),
        (100, "10", "+10"),
        (-15, "-1.5", "-1.5"),
        (0, "0", "0"),
        (12345, "1234.5", "+1234.5"),
    ],
)
def test_points_are_shown_exactly(tenths, shown, signed):
    assert format_points(tenths) == shown
    assert format_signed_points(tenths) == signed
    rendered = Template("{% load points %}{{ n|points }} {{ n|signed_points }}").render(
        Context({"n": tenths})
    )
    assert rendered == f"{shown} {signed}"


@pytest.mark.parametrize(("text", "tenths"), [("66", 660), ("0.2", 2), ("-1.5", -15), ("3.50", 35)])
def test_points_are_parsed_exactly(text, tenths):
    assert parse_points(text) == tenths


@pytest.mark.parametrize("text", ["0.25", "ten", "", "nan", "inf"])
def test_points_with_more_than_a_tenth_are_refused_not_rounded(text):
    with pytest.raises(PointsSyntaxError):
        parse_points(text)
