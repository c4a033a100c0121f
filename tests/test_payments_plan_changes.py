"""Changing plans: an upgrade takes effect at once, a downgrade or a cancellation when the paid
period ends; the user reads what happens to their points before confirming; top-ups never go."""

import re
from datetime import timedelta

from django.utils import timezone

from billing import ledger
from billing.entitlements import entitlements
from billing.models import Lot, Payment, Subscription
from tests.fake_stripe import deliver
from tests.test_payments_subscriptions import membership_points, plan, subscribe


def member(client, user, fake, tier_code="standard"):
    checkout, sub_id, _invoice = subscribe(user, fake, tier_code)
    deliver(client, fake.event("checkout.session.completed", checkout.session_id))
    ledger.grant(user, 5000, Lot.Source.TOPUP, "topup:test", None, "500-point pack")
    client.force_login(user)
    return Subscription.objects.get(subscription_id=sub_id)


def confirm_change(client, plan_id):
    """Open the confirmation page and confirm with the quote it shows, as the browser does."""
    page = client.get(f"/billing/change/{plan_id}/").content.decode()
    quote = re.search(r'name="quote" value="([^"]+)"', page).group(1)
    return client.post(f"/billing/change/{plan_id}/", {"quote": quote})


def test_the_user_is_told_what_an_upgrade_does_before_confirming(client, alice, stripe_site):
    sub = member(client, alice, stripe_site, "standard")

    page = client.get(f"/billing/change/{plan('pro').pk}/").content.decode()

    assert 'data-kind="upgrade"' in page
    assert "Pro starts now" in page
    assert "You get 3000 Pro points now" in page
    assert "Your 660 remaining monthly points stay usable until" in page
    assert "Your 500 top-up points stay yours" in page
    assert Subscription.objects.get(pk=sub.pk).plan.tier.code == "standard"  # nothing changed yet


def test_an_upgrade_takes_effect_at_once(client, alice, stripe_site):
    sub = member(client, alice, stripe_site, "standard")

    confirm_change(client, plan("pro").pk)

    sub.refresh_from_db()
    assert sub.plan.tier.code == "pro"
    assert entitlements(alice).tier.code == "pro"
    assert membership_points(alice) == [6600, 30000]
    params, _headers = stripe_site.calls("POST", f"/v1/subscriptions/{sub.subscription_id}")[-1]
    assert params["proration_behavior"] == "always_invoice"
    assert params["items"][0]["price"] == plan("pro").stripe_price_id
    # Stripe's events about the change find it done: no second grant.
    deliver(client, stripe_site.event("customer.subscription.updated", sub.subscription_id))
    proration = stripe_site.get(sub.subscription_id)["latest_invoice"]
    deliver(client, stripe_site.event("invoice.paid", proration))
    assert membership_points(alice) == [6600, 30000]
    assert Payment.objects.filter(subscription=sub).count() == 2
    assert ledger.balance(alice) >= 5000  # the top-up is untouched


def test_a_downgrade_waits_for_the_end_of_the_paid_period(client, alice, stripe_site):
    sub = member(client, alice, stripe_site, "premier")
    page = client.get(f"/billing/change/{plan('standard').pk}/").content.decode()
    assert 'data-kind="downgrade"' in page
    assert "You keep Premier until" in page

    confirm_change(client, plan("standard").pk)

    sub.refresh_from_db()
    assert sub.plan.tier.code == "premier" and sub.next_plan.tier.code == "standard"
    assert entitlements(alice).tier.code == "premier"
    params, _headers = stripe_site.calls("POST", f"/v1/subscriptions/{sub.subscription_id}")[-1]
    assert params["proration_behavior"] == "none"

    renewal = stripe_site.renew(sub.subscription_id)
    deliver(client, stripe_site.event("invoice.paid", renewal["id"]))

    sub.refresh_from_db()
    after = sub.current_period_start + timedelta(hours=1)
    assert sub.plan.tier.code == "standard" and sub.next_plan is None
    assert entitlements(alice, after).tier.code == "standard"
    assert entitlements(alice, sub.current_period_start - timedelta(hours=1)).tier.code == "premier"
    assert Lot.objects.get(source=Lot.Source.TOPUP).remaining == 5000


def test_cancelling_keeps_access_until_the_period_ends(client, alice, stripe_site):
    sub = member(client, alice, stripe_site, "pro")
    page = client.get("/billing/cancel/").content.decode()
    assert 'data-kind="cancel"' in page
    assert "stays active until" in page and "top-up points stay yours" in page

    client.post("/billing/cancel/")

    sub.refresh_from_db()
    assert sub.cancel_at_period_end
    assert entitlements(alice).tier.code == "pro"
    stripe_site.end_subscription(sub.subscription_id)
    deliver(client, stripe_site.event("customer.subscription.deleted", sub.subscription_id))
    assert entitlements(alice, timezone.now() + timedelta(seconds=5)).tier is None
    assert Lot.objects.get(source=Lot.Source.TOPUP).remaining == 5000


def test_another_users_plan_pages_are_not_theirs(client, alice, bob, stripe_site):
    member(client, alice, stripe_site, "pro")
    client.force_login(bob)
    assert client.get(f"/billing/change/{plan('premier').pk}/").status_code == 404
    assert client.post("/billing/cancel/").status_code == 404


def test_an_upgrade_states_the_amount_and_stripe_prorates_from_that_moment(
    client, alice, stripe_site
):
    sub = member(client, alice, stripe_site, "standard")
    page = client.get(f"/billing/change/{plan('pro').pk}/").content.decode()
    shown = re.search(r'data-testid="charge-amount">([^<]+)<', page).group(1)
    assert shown.startswith("¥") and shown in page.split('data-testid="confirm-change"')[1]

    quote = re.search(r'name="quote" value="([^"]+)"', page).group(1)
    client.post(f"/billing/change/{plan('pro').pk}/", {"quote": quote})

    params, _headers = stripe_site.calls("POST", f"/v1/subscriptions/{sub.subscription_id}")[-1]
    assert params["proration_date"]
    invoice = stripe_site.get(stripe_site.get(sub.subscription_id)["latest_invoice"])
    amount = invoice["amount_paid"]
    assert shown == f"¥{amount // 100:,}.{amount % 100:02d}"


def test_an_upgrade_without_a_current_quote_charges_nothing_and_shows_the_price_again(
    client, alice, stripe_site
):
    sub = member(client, alice, stripe_site, "standard")
    for quote in ("", "forged", None):
        data = {} if quote is None else {"quote": quote}
        response = client.post(f"/billing/change/{plan('pro').pk}/", data)
        assert response.status_code == 302
        assert response.url == f"/billing/change/{plan('pro').pk}/"
    sub.refresh_from_db()
    assert sub.plan.tier.code == "standard"
    assert not stripe_site.calls("POST", f"/v1/subscriptions/{sub.subscription_id}")


def test_the_cancel_date_is_the_site_days_date_not_utcs(client, alice, stripe_site):
    sub = member(client, alice, stripe_site, "pro")
    # 17:00 UTC is 01:00 the next day in Shanghai: the page must say the Shanghai day.
    end = sub.current_period_end.replace(hour=17, minute=0, second=0, microsecond=0)
    type(sub).objects.filter(pk=sub.pk).update(current_period_end=end)
    local = timezone.localtime(end).strftime("%Y-%m-%d")
    assert local != end.strftime("%Y-%m-%d")

    page = client.get("/billing/cancel/").content.decode()
    assert f"stays active until {local}" in page


def test_an_upgrade_whose_price_stripe_cannot_tell_now_cannot_be_confirmed(
    client, alice, stripe_site
):
    sub = member(client, alice, stripe_site, "standard")
    stripe_site.failures_left = 10  # Stripe answers 500 (its retries included)
    page = client.get(f"/billing/change/{plan('pro').pk}/").content.decode()
    stripe_site.failures_left = 0
    assert "could not be fetched just now" in page
    assert 'data-testid="confirm-change"' not in page and 'name="quote"' not in page
    sub.refresh_from_db()
    assert sub.plan.tier.code == "standard"
