"""Money is shown before it is taken, in a real Chromium. Each test reads the amount (or the date)
on the page before confirming, confirms, and finds the very same figure in the payment record or
the ledger: a first-term checkout and what it renews at, an upgrade's prorated charge, the day a
cancelled membership ends, and the price of running a job whose appeal was accepted."""

import re
from datetime import UTC, timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from billing import checkout as checkouts
from billing import ledger, sandbox
from billing.entitlements import entitlements
from billing.models import Hold, Membership, Payment, Plan, Subscription
from billing.templatetags.points import money
from billing.units import parse_points
from generation.models import Job
from generation.moderation import review
from tests.conftest import log_in, make_user, tier
from tests.gen_helpers import give_points, t2v_data
from tests.moderation_helpers import seed_rules

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sandbox_catalogue(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.PAYMENTS_SANDBOX = True
    for code in ("standard", "pro", "premier"):
        tier(code)
    call_command("seed_catalogue", stdout=open("/dev/null", "w"))  # noqa: SIM115


def plan(code: str, period: str = "monthly") -> Plan:
    return Plan.objects.get(tier__code=code, period=period)


def member(user, code: str) -> Subscription:
    """A membership bought through the sandbox, as the Pay button buys it."""
    sandbox.pay(checkouts.start_checkout(user, plan=plan(code)))
    return Subscription.objects.get(user=user)


def amount_in(text: str) -> str:
    """The first money figure in `text` ("¥33.00")."""
    return re.search(r"¥[\d,]+\.\d\d", text).group(0)


def test_a_first_term_checkout_states_its_price_and_what_it_renews_at(page, sandbox_catalogue):
    make_user("ada@example.com")
    standard = plan("standard")
    log_in(page, "ada@example.com")

    page.goto("/pricing/")
    offer = page.get_by_test_id("offer-standard")
    first = amount_in(offer.locator(".first-discount").inner_text())
    renews = amount_in(page.get_by_test_id("renewal-terms-standard").inner_text())
    expect(page.get_by_test_id("renewal-terms-standard")).to_contain_text("every month")
    page.get_by_test_id("buy-standard-monthly").click()

    # The payment page says both figures before the Pay button is pressed.
    expect(page.get_by_test_id("checkout-amount")).to_contain_text(first)
    expect(page.get_by_test_id("renewal-terms")).to_contain_text(f"Then {renews} every month")
    expect(page.get_by_test_id("sandbox-pay")).to_contain_text(first)
    page.get_by_test_id("sandbox-pay").click()
    expect(page.get_by_test_id("checkout-status")).to_have_attribute("data-state", "fulfilled")
    expect(page.get_by_test_id("renewal-terms")).to_contain_text(renews)

    paid = Payment.objects.get(user__email="ada@example.com")
    assert money(paid.amount, paid.currency) == first == money(3300, "cny")
    sub = Subscription.objects.get(user__email="ada@example.com")
    assert money(sub.plan.price, sub.plan.currency) == renews == money(standard.price, "cny")
    page.goto("/billing/")
    expect(page.get_by_test_id("renewal")).to_contain_text(f"for {renews}")


def test_an_upgrade_charges_the_amount_its_confirmation_states(page, sandbox_catalogue):
    user = make_user("ben@example.com")
    sub = member(user, "standard")
    # Ten days into the month, so the difference is prorated, not the whole price.
    Subscription.objects.filter(pk=sub.pk).update(
        current_period_start=sub.current_period_start - timedelta(days=10),
        current_period_end=sub.current_period_end - timedelta(days=10),
    )
    log_in(page, "ben@example.com")

    page.goto("/billing/")
    page.get_by_test_id("change-to-pro").click()
    expect(page.get_by_test_id("change-preview")).to_have_attribute("data-kind", "upgrade")
    shown = page.get_by_test_id("charge-amount").inner_text()
    expect(page.get_by_test_id("confirm-change")).to_contain_text(f"Pay {shown}")
    expect(page.get_by_test_id("change-preview")).to_contain_text(f"{shown} is charged now")
    full = plan("pro").price - plan("standard").price
    assert money(full // 2, "cny") < shown < money(full, "cny")  # prorated: less than a month
    page.get_by_test_id("confirm-change").click()

    expect(page.get_by_test_id("plan-name")).to_contain_text("Pro")
    charge = Payment.objects.filter(user=user).latest("paid_at")
    assert money(charge.amount, charge.currency) == shown
    expect(page.get_by_test_id("receipt-row").first).to_contain_text(shown)
    assert entitlements(user).tier.code == "pro"


def test_the_day_a_cancelled_membership_ends_is_the_same_on_every_page(page, sandbox_catalogue):
    user = make_user("cai@example.com")
    sub = member(user, "pro")
    # 17:00 UTC is 01:00 the next morning in the site's time zone: the day UTC would print
    # differs from the day the user lives in.
    end = sub.current_period_end.astimezone(UTC).replace(hour=17, minute=0, second=0, microsecond=0)
    Subscription.objects.filter(pk=sub.pk).update(current_period_end=end)
    Membership.objects.filter(pk=sub.membership_id).update(ends_at=end)
    log_in(page, "cai@example.com")

    page.goto("/billing/")
    page.get_by_test_id("cancel-membership").click()
    preview = page.get_by_test_id("change-preview").inner_text()
    shown = re.search(r"stays active until (\d{4}-\d\d-\d\d)", preview).group(1)
    expect(page.get_by_test_id("confirm-change")).to_have_class(re.compile(r"\bdanger\b"))
    page.get_by_test_id("confirm-change").click()

    expect(page.get_by_test_id("renewal")).to_contain_text(f"active until {shown}")
    expect(page.locator(".message")).to_contain_text(shown)
    sub.refresh_from_db()
    assert sub.cancel_at_period_end
    assert timezone.localtime(sub.current_period_end).strftime("%Y-%m-%d") == shown
    assert shown != sub.current_period_end.astimezone(UTC).strftime("%Y-%m-%d")
    page.goto("/pricing/")
    expect(page.get_by_test_id("current-plan")).to_contain_text(f"until {shown}")


def test_an_accepted_appeal_runs_only_when_its_owner_confirms_the_price(page, settings):
    seed_rules()
    user = make_user("dee@example.com")
    give_points(user, 100)
    client = Client()
    client.force_login(user)
    client.post(reverse("generation:create"), t2v_data(prompt="斩首视频", duration_s="10"))
    job = Job.objects.get(user=user)
    assert job.status == Job.Status.REJECTED
    staff = make_user("mod@example.com", is_staff=True)
    assert review.approve(review.appeal(job, user, "a history documentary"), staff)
    before = ledger.balance(user)
    assert not Hold.objects.filter(ref__startswith=f"job:{job.pk}").exists()  # nothing taken

    log_in(page, "dee@example.com")
    page.goto(f"/jobs/{job.pk}/")
    shown = page.get_by_test_id("run-price").inner_text()
    expect(page.get_by_test_id("run-appealed-confirm")).to_contain_text(f"Run it for {shown}")
    assert ledger.balance(user) == before  # reading the offer took nothing
    page.get_by_test_id("run-appealed-confirm").click()

    expect(page.locator(".message.success")).to_contain_text(f"{shown} points are held")
    hold = Hold.objects.get(ref=f"job:{job.pk}:1")
    assert hold.amount == parse_points(shown) == Job.objects.get(pk=job.pk).points_held
    assert ledger.balance(user) == before - hold.amount
