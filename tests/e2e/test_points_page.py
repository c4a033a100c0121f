"""A member opens their points page in a real Chromium: the balance split by lot, every movement."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing import ledger
from billing.models import Entry, Lot
from billing.units import format_points
from tests.conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_points_page_shows_the_split_by_lot_and_a_row_per_movement(page, alice):
    month_end = timezone.now() + timedelta(days=12)
    ledger.grant(alice, 30000, Lot.Source.MEMBERSHIP, "membership:e2e:0", month_end, "Pro, month 1")
    ledger.grant(alice, 1000, Lot.Source.TOPUP, "pay:e2e", None, "100-point pack")
    ledger.hold(alice, 350, "job:41", "professional 5 s video")
    ledger.capture("job:41")
    ledger.hold(alice, 4, "job:42", "two pictures")
    ledger.release("job:42")

    log_in(page, alice.email)  # the first signed-in request grants today's daily points
    expect(page.get_by_test_id("account-menu")).to_be_visible()
    page.get_by_test_id("nav-balance").click()

    expect(page).to_have_url(re.compile(r"/points/$"))
    balance = format_points(ledger.balance(alice))
    assert balance == "3131"  # 66 daily + 3000 membership + 100 top-up - 35 (pictures refunded)
    expect(page.get_by_test_id("points-balance")).to_have_text(balance)
    expect(page.get_by_test_id("nav-balance")).to_contain_text(balance)

    lots = page.get_by_test_id("lot-row")
    expect(lots).to_have_count(3)
    expect(lots.nth(0)).to_contain_text("Daily points")
    expect(lots.nth(1)).to_contain_text("Membership points")
    expect(lots.nth(2)).to_contain_text("Top-up")
    expect(lots.nth(2)).to_contain_text("never")

    rows = page.get_by_test_id("history-row")
    expect(rows).to_have_count(Entry.objects.filter(wallet__user=alice).count())
    expect(rows).to_have_count(7)  # 3 grants, hold + capture, hold + release
    history = page.get_by_test_id("history")
    expect(history).to_contain_text("Spent on job #41")
    expect(history).to_contain_text("Returned from job #42")
    expect(history.locator(".hold-status.captured").first).to_be_visible()
    expect(history.locator(".hold-status.released").first).to_be_visible()
