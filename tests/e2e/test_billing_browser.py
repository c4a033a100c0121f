"""A free user buys through the sandbox checkout in a real Chromium: a membership (no watermark,
monthly points), then a points pack (the balance rises), then cancels (access until the period
ends)."""

import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from billing import ledger
from billing.entitlements import entitlements
from billing.models import Subscription
from billing.units import format_points
from tests.conftest import log_in, tier

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sandbox_catalogue(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.PAYMENTS_SANDBOX = True
    for code in ("standard", "pro", "premier"):
        tier(code)
    call_command("seed_catalogue", stdout=open("/dev/null", "w"))  # noqa: SIM115


def pay_on_the_test_page(page):
    expect(page).to_have_url(re.compile(r"/billing/sandbox/sbx_cs_"))
    expect(page.get_by_test_id("sandbox-banner")).to_have_text("Test payment — no card is charged.")
    page.get_by_test_id("sandbox-pay").click()
    expect(page.get_by_test_id("checkout-status")).to_have_attribute("data-state", "fulfilled")


def test_a_free_user_buys_a_membership_then_a_pack_then_cancels(page, alice, sandbox_catalogue):
    log_in(page, alice.email)
    expect(page.get_by_test_id("account-menu")).to_be_visible()
    assert entitlements(alice).tier is None
    assert not entitlements(alice).no_watermark

    page.goto("/pricing/")
    expect(page.get_by_test_id("offer-standard")).to_contain_text("50% off your first term")
    page.get_by_test_id("buy-standard-monthly").click()
    pay_on_the_test_page(page)
    expect(page.get_by_test_id("checkout-status")).to_contain_text(
        "your Standard membership is active"
    )

    allowed = entitlements(alice)
    assert allowed.tier.code == "standard" and allowed.no_watermark
    page.goto("/points/")
    expect(page.locator('[data-testid=lot-row][data-source="membership"]')).to_contain_text("660")
    before = ledger.balance(alice)
    expect(page.get_by_test_id("points-balance")).to_have_text(format_points(before))

    page.goto("/pricing/#packs")
    page.get_by_test_id("buy-points-660").click()
    pay_on_the_test_page(page)
    expect(page.get_by_test_id("checkout-status")).to_contain_text(
        "Payment received, points added."
    )
    after = format_points(before + 6600)
    expect(page.get_by_test_id("nav-balance")).to_contain_text(after)

    page.goto("/billing/")
    expect(page.get_by_test_id("plan-name")).to_contain_text("Standard")
    expect(page.get_by_test_id("receipt-row")).to_have_count(2)
    page.get_by_test_id("cancel-membership").click()
    expect(page.get_by_test_id("change-preview")).to_contain_text("stays active until")
    expect(page.get_by_test_id("change-preview")).to_contain_text("top-up points stay yours")
    page.get_by_test_id("confirm-change").click()

    sub = Subscription.objects.get(user=alice)
    until = timezone.localtime(sub.current_period_end).strftime("%Y-%m-%d")
    expect(page.get_by_test_id("renewal")).to_contain_text(f"active until {until}")
    expect(page.get_by_test_id("renewal")).to_contain_text("does not renew")
    assert sub.cancel_at_period_end
    assert entitlements(alice).tier.code == "standard"  # still a member until the period ends
    assert entitlements(alice, sub.current_period_end).tier is None
