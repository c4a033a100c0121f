"""The points page, the balance in the navigation, and the staff panel's view of the ledger."""

from datetime import timedelta

import pytest
from django.utils import timezone

from billing import ledger
from billing.models import Entry, Lot, Wallet
from billing.views import HISTORY_PAGE_SIZE
from tests.conftest import make_user


@pytest.fixture
def staff(db):
    return make_user("admin@example.com", is_staff=True, is_superuser=True)


def test_the_points_page_requires_login(client):
    response = client.get("/points/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_points_page_splits_the_balance_by_lot_and_explains_each_movement(client, alice):
    soon = timezone.now() + timedelta(days=20)
    ledger.grant(alice, 3000, Lot.Source.MEMBERSHIP, "m:1", soon, "Pro membership, month 1 of 1")
    ledger.grant(alice, 500, Lot.Source.TOPUP, "pay:1", None, "top-up")
    ledger.hold(alice, 100, "job:7")
    ledger.capture("job:7")
    ledger.hold(alice, 2, "job:8")
    ledger.release("job:8")
    client.force_login(alice)  # the first request also grants today's 66 points

    response = client.get("/points/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="points-balance">406<' in page  # 66 + 300 + 50 - 10 points
    assert page.count('data-testid="lot-row"') == 3
    assert page.count('data-testid="history-row"') == Entry.objects.count() == 7
    for text in [
        "Spent on job #7",
        "Returned from job #8",
        "Held for job #7",
        "settled",
        "refunded",
        "-0.2",
        "+0.2",
        "Top-up granted",
        "Daily points granted",
        "never",
    ]:
        assert text in page, text


def test_the_points_page_shows_only_your_own_points(client, alice, bob):
    ledger.grant(alice, 5000, Lot.Source.TOPUP, "pay:alice", None, "alice's pack")
    client.force_login(bob)

    page = client.get("/points/").content.decode()

    assert "alice" not in page
    assert "pay:alice" not in page
    assert page.count('data-testid="lot-row"') == 1  # bob's own daily points only


def test_the_history_is_paginated(client, alice):
    ledger.grant(alice, 10000, Lot.Source.TOPUP, "pay:1", None)
    for i in range(HISTORY_PAGE_SIZE + 5):
        ledger.hold(alice, 2, f"job:{i}")
    client.force_login(alice)

    first = client.get("/points/").content.decode()
    second = client.get("/points/?page=2").content.decode()

    assert first.count('data-testid="history-row"') == HISTORY_PAGE_SIZE
    assert second.count('data-testid="history-row"') == Entry.objects.count() - HISTORY_PAGE_SIZE
    assert "Page 2 of 2" in second


def test_the_navigation_shows_the_balance_and_links_to_the_points_page(client, alice):
    ledger.grant(alice, 15, Lot.Source.PROMOTION, "promo:1", None)
    client.force_login(alice)

    page = client.get("/pricing/").content.decode()

    assert 'href="/points/" data-testid="nav-balance"' in page
    assert ">67.5 points</a>" in page


def test_the_admin_shows_entries_but_refuses_to_change_them(client, alice, staff):
    ledger.grant(alice, 500, Lot.Source.TOPUP, "pay:1", None)
    entry = Entry.objects.get(ref="pay:1")
    client.force_login(staff)

    assert client.get("/admin/billing/entry/").status_code == 200
    assert client.get(f"/admin/billing/entry/{entry.pk}/change/").status_code == 200
    assert (
        client.post(f"/admin/billing/entry/{entry.pk}/change/", {"amount": "1"}).status_code == 403
    )
    assert client.get(f"/admin/billing/entry/{entry.pk}/delete/").status_code == 403
    assert client.get("/admin/billing/entry/add/").status_code == 403
    assert client.get("/admin/billing/lot/add/").status_code == 403
    assert Entry.objects.get(ref="pay:1").amount == 500


def test_staff_adjust_a_balance_with_a_reason_in_the_admin(client, alice, staff):
    ledger.grant(alice, 500, Lot.Source.TOPUP, "pay:1", None)
    wallet = Wallet.objects.get(user=alice)
    client.force_login(staff)
    url = f"/admin/billing/wallet/{wallet.pk}/adjust/"

    assert client.get(f"/admin/billing/wallet/{wallet.pk}/change/").status_code == 200
    response = client.post(url, {"amount": "-2.5", "reason": "duplicate credit"})

    assert response.status_code == 302
    entry = Entry.objects.get(kind=Entry.Kind.ADJUST)
    assert (entry.amount, entry.staff, entry.reason) == (-25, staff, "duplicate credit")
    refused = client.post(url, {"amount": "-100", "reason": "too much"})
    assert "not enough points" in refused.content.decode()
    assert ledger.balance(alice) == 475


def test_people_who_are_not_staff_cannot_adjust(client, alice, bob):
    ledger.grant(alice, 500, Lot.Source.TOPUP, "pay:1", None)
    wallet = Wallet.objects.get(user=alice)
    client.force_login(bob)

    response = client.post(
        f"/admin/billing/wallet/{wallet.pk}/adjust/", {"amount": "100", "reason": "x"}
    )

    assert response.status_code == 302  # to the admin login
    assert ledger.balance(alice) == 500
