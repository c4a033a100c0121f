"""Memberships bought through Stripe: the paid period gives the tier and its monthly points, events
in any order end in the right state, and access ends when Stripe says the subscription ended."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from billing.checkout import start_checkout
from billing.entitlements import entitlements
from billing.memberships import add_months, grant_due_membership_points
from billing.models import CheckoutSession, Lot, Membership, Pack, Payment, Plan, Subscription
from tests.fake_stripe import deliver


def plan(tier_code, period="monthly") -> Plan:
    return Plan.objects.select_related("tier").get(tier__code=tier_code, period=period)


def subscribe(user, fake, tier_code="standard", period="monthly"):
    """The user checks out a plan and pays on Stripe's page; returns (checkout, sub id, invoice)."""
    checkout = start_checkout(user, plan=plan(tier_code, period))
    session = fake.pay_checkout(checkout.session_id)
    sub_id = session["subscription"]
    return checkout, sub_id, fake.get(sub_id)["latest_invoice"]


def membership_points(user) -> list[int]:
    lots = Lot.objects.filter(wallet__user=user, source=Lot.Source.MEMBERSHIP).order_by("id")
    return [lot.amount for lot in lots]


def test_buying_a_membership_gives_the_tier_and_its_monthly_points(client, alice, stripe_site):
    checkout, sub_id, invoice_id = subscribe(alice, stripe_site, "pro")

    deliver(client, stripe_site.event("checkout.session.completed", checkout.session_id))
    deliver(client, stripe_site.event("invoice.paid", invoice_id))

    allowed = entitlements(alice)
    assert allowed.tier.code == "pro" and allowed.no_watermark
    assert membership_points(alice) == [30000]
    sub = Subscription.objects.get(subscription_id=sub_id)
    assert sub.status == "active" and sub.user == alice
    assert sub.membership.ends_at == sub.current_period_end
    checkout.refresh_from_db()
    assert checkout.fulfilled_at is not None
    payment = Payment.objects.get(ref=invoice_id)
    assert payment.amount == plan("pro").price // 2  # the first month's coupon
    assert payment.lot.amount == 30000


def test_invoice_paid_before_checkout_completed_ends_the_same(client, alice, stripe_site):
    checkout, sub_id, invoice_id = subscribe(alice, stripe_site, "standard")

    deliver(client, stripe_site.event("invoice.paid", invoice_id))
    checkout.refresh_from_db()
    assert membership_points(alice) == [6600]
    assert checkout.fulfilled_at is None  # the site has not heard of the checkout's end yet

    deliver(client, stripe_site.event("checkout.session.completed", checkout.session_id))
    deliver(client, stripe_site.event("customer.subscription.created", sub_id))

    checkout.refresh_from_db()
    assert checkout.fulfilled_at is not None
    assert membership_points(alice) == [6600]
    assert Membership.objects.filter(user=alice).count() == 1
    assert entitlements(alice).tier.code == "standard"


def test_checkout_completed_alone_is_enough(client, alice, stripe_site):
    """If invoice.paid never comes, the checkout's handler reads the subscription's invoice."""
    checkout, _sub_id, _invoice_id = subscribe(alice, stripe_site, "premier")

    deliver(client, stripe_site.event("checkout.session.completed", checkout.session_id))

    assert membership_points(alice) == [80000]
    assert entitlements(alice).tier.code == "premier"


def test_each_renewal_grants_that_periods_points_once(client, alice, stripe_site):
    checkout, sub_id, invoice_id = subscribe(alice, stripe_site, "standard")
    deliver(client, stripe_site.event("checkout.session.completed", checkout.session_id))
    sub = Subscription.objects.get(subscription_id=sub_id)
    first_end = sub.current_period_end

    renewal = stripe_site.renew(sub_id)
    later = first_end + timedelta(hours=1)
    event = stripe_site.event("invoice.paid", renewal["id"])
    deliver(client, event)
    deliver(client, event)
    deliver(
        client, stripe_site.event("invoice.paid", renewal["id"])
    )  # a second event, same invoice

    sub.refresh_from_db()
    assert sub.current_period_end > first_end
    assert sub.membership.ends_at == sub.current_period_end
    assert Payment.objects.filter(subscription=sub).count() == 2
    # The next month's points arrive when that month starts (the sweep or the user's request).
    grant_due_membership_points(later)
    assert membership_points(alice) == [6600, 6600]
    grant_due_membership_points(later + timedelta(hours=1))
    assert membership_points(alice) == [6600, 6600]


def test_an_annual_plan_grants_its_points_month_by_month(client, alice, stripe_site):
    checkout, sub_id, _invoice = subscribe(alice, stripe_site, "pro", "annual")
    deliver(client, stripe_site.event("checkout.session.completed", checkout.session_id))
    membership = Subscription.objects.get(subscription_id=sub_id).membership
    assert membership.period == "annual"
    assert membership_points(alice) == [30000]  # one month's, not twelve

    for month in range(1, 12):
        grant_due_membership_points(add_months(membership.starts_at, month) + timedelta(hours=1))
    grant_due_membership_points(membership.ends_at + timedelta(days=3))  # after the year

    assert membership_points(alice) == [30000] * 12


def test_a_cancelled_membership_lasts_until_the_period_ends(client, alice, stripe_site):
    checkout, sub_id, _invoice = subscribe(alice, stripe_site, "pro")
    deliver(client, stripe_site.event("checkout.session.completed", checkout.session_id))
    stripe_site.get(sub_id)["cancel_at_period_end"] = True  # the user cancelled in the portal

    deliver(client, stripe_site.event("customer.subscription.updated", sub_id))

    sub = Subscription.objects.get(subscription_id=sub_id)
    assert sub.cancel_at_period_end and sub.status == "active"
    assert entitlements(alice).tier.code == "pro"
    assert entitlements(alice, sub.current_period_end - timedelta(minutes=1)).tier.code == "pro"
    assert entitlements(alice, sub.current_period_end + timedelta(minutes=1)).tier is None


def test_deleted_before_updated_leaves_the_subscription_ended(client, alice, stripe_site):
    checkout, sub_id, _invoice = subscribe(alice, stripe_site, "pro")
    deliver(client, stripe_site.event("checkout.session.completed", checkout.session_id))
    stripe_site.get(sub_id)["cancel_at_period_end"] = True
    updated = stripe_site.event("customer.subscription.updated", sub_id)  # sent first...
    stripe_site.end_subscription(sub_id)
    deleted = stripe_site.event("customer.subscription.deleted", sub_id)

    deliver(client, deleted)  # ...but arrives last
    deliver(client, updated)

    sub = Subscription.objects.get(subscription_id=sub_id)
    assert sub.status == Subscription.Status.CANCELED
    assert sub.ended_at is not None
    assert entitlements(alice, timezone.now() + timedelta(seconds=5)).tier is None


def test_an_ended_subscription_is_never_revived(client, alice, stripe_site):
    checkout, sub_id, _invoice = subscribe(alice, stripe_site, "standard")
    deliver(client, stripe_site.event("checkout.session.completed", checkout.session_id))
    stripe_site.end_subscription(sub_id)
    deliver(client, stripe_site.event("customer.subscription.deleted", sub_id))

    stripe_site.get(sub_id)["status"] = "active"  # a stale read, or a confused sender
    deliver(client, stripe_site.event("customer.subscription.updated", sub_id))

    assert Subscription.objects.get(subscription_id=sub_id).status == "canceled"


def test_a_failed_renewal_tells_the_user(
    client, alice, stripe_site, django_capture_on_commit_callbacks
):
    checkout, sub_id, _invoice = subscribe(alice, stripe_site, "standard")
    deliver(client, stripe_site.event("checkout.session.completed", checkout.session_id))
    failed = stripe_site.renew(sub_id, paid=False)

    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, stripe_site.event("invoice.payment_failed", failed["id"]))

    sub = Subscription.objects.get(subscription_id=sub_id)
    assert sub.payment_failed_at is not None and sub.status == "past_due"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [alice.email]
    assert "payment failed" in mail.outbox[0].subject
    client.force_login(alice)
    page = client.get("/billing/")
    assert b'data-testid="payment-failed"' in page.content
    assert Payment.objects.filter(subscription=sub).count() == 1  # nothing paid, nothing granted


def test_the_billing_page_shows_plan_renewal_and_receipts(client, alice, bob, stripe_site):
    checkout, _sub_id, invoice_id = subscribe(alice, stripe_site, "pro")
    deliver(client, stripe_site.event("checkout.session.completed", checkout.session_id))
    client.force_login(alice)

    page = client.get("/billing/").content.decode()

    assert "Pro" in page and "Renews on" in page
    assert f"/invoice/{invoice_id}" in page  # the receipt link
    client.force_login(bob)
    assert client.get(f"/billing/checkout/{checkout.pk}/").status_code == 404
    assert "Renews on" not in client.get("/billing/").content.decode()


def test_the_customer_portal_opens_for_the_users_customer(client, alice, stripe_site):
    client.force_login(alice)
    answer = client.post("/billing/portal/")
    customer = alice.stripe_customer.stripe_id
    assert answer.status_code == 302
    assert answer["Location"] == f"{stripe_site.url}/portal/{customer}"


def test_checkout_is_recorded_before_the_redirect_with_an_idempotency_key(
    client, alice, stripe_site
):
    client.force_login(alice)
    answer = client.post(f"/billing/buy/plan/{plan('standard').pk}/")

    checkout = CheckoutSession.objects.get(user=alice)
    assert answer.status_code == 302 and answer["Location"] == checkout.url
    params, headers = stripe_site.calls("POST", "/v1/checkout/sessions")[-1]
    assert headers["idempotency-key"] == f"checkout-{checkout.idempotency_key}"
    assert params["client_reference_id"] == str(alice.pk)
    assert params["mode"] == "subscription"
    assert params["customer"] == alice.stripe_customer.stripe_id
    assert params["discounts"][0]["coupon"] == plan("standard").stripe_coupon_id
    assert headers["stripe-version"] == "2026-10-28.endive"
    status = client.get(f"/billing/checkout/{checkout.pk}/").content.decode()
    assert "Waiting for confirmation" in status and "points added" not in status


def test_a_pack_checkout_uses_payment_mode_and_one_customer_per_user(client, alice, stripe_site):
    client.force_login(alice)
    for code in ("points-330", "points-660"):
        pack_id = Pack.objects.get(code=code).pk
        client.post(f"/billing/buy/pack/{pack_id}/")

    sessions = stripe_site.calls("POST", "/v1/checkout/sessions")[-2:]
    assert {p["mode"] for p, _ in sessions} == {"payment"}
    assert len({p["customer"] for p, _ in sessions}) == 1
    assert CheckoutSession.objects.filter(user=alice).count() == 2


def test_a_member_cannot_start_a_second_membership(client, alice, stripe_site):
    checkout, _sub, _invoice = subscribe(alice, stripe_site, "standard")
    deliver(client, stripe_site.event("checkout.session.completed", checkout.session_id))
    client.force_login(alice)

    client.post(f"/billing/buy/plan/{plan('pro').pk}/", follow=True)

    assert CheckoutSession.objects.filter(user=alice).count() == 1
    assert membership_points(alice) == [6600]
    assert entitlements(alice).tier.code == "standard"


def test_the_return_page_asks_stripe_when_the_webhook_is_late(client, alice, stripe_site):
    checkout = start_checkout(alice, pack=Pack.objects.first())
    client.force_login(alice)
    assert (
        "Waiting for confirmation"
        in client.get(f"/billing/checkout/{checkout.pk}/").content.decode()
    )
    stripe_site.pay_checkout(checkout.session_id)

    page = client.get(f"/billing/checkout/{checkout.pk}/").content.decode()
    deliver(client, stripe_site.event("checkout.session.completed", checkout.session_id))

    assert "Payment received, points added." in page
    assert Payment.objects.filter(user=alice).count() == 1


def test_returning_without_paying_leaves_the_checkout_open(client, alice, stripe_site):
    checkout = start_checkout(alice, pack=Pack.objects.first())
    client.force_login(alice)

    page = client.get(f"/billing/checkout/{checkout.pk}/?canceled=1").content.decode()

    checkout.refresh_from_db()
    assert checkout.status == CheckoutSession.Status.OPEN and checkout.completed_at is None
    assert "Payment received" not in page
    assert Payment.objects.filter(user=alice).count() == 0


def test_a_second_plan_checkout_expires_the_first_at_stripe_so_it_cannot_be_paid(
    alice, stripe_site
):
    from tests.fake_stripe import StripeError

    first = start_checkout(alice, plan=plan("standard"))
    second = start_checkout(alice, plan=plan("pro"))

    first.refresh_from_db()
    assert first.status == CheckoutSession.Status.EXPIRED
    assert stripe_site.get(first.session_id)["status"] == "expired"
    with pytest.raises(StripeError):
        stripe_site.pay_checkout(first.session_id)
    stripe_site.pay_checkout(second.session_id)  # the latest tab still pays


def test_a_plan_checkout_while_a_membership_is_live_is_refused(client, alice, stripe_site):
    from billing.checkout import CheckoutRefused

    checkout, _sub_id, _invoice_id = subscribe(alice, stripe_site, "standard")
    deliver(client, stripe_site.event("checkout.session.completed", checkout.session_id))

    with pytest.raises(CheckoutRefused, match="change your plan"):
        start_checkout(alice, plan=plan("pro"))


def test_a_membership_ended_at_its_period_end_does_not_block_a_new_one(client, alice, stripe_site):
    """Canceled at the period end, the end passed, Stripe's "deleted" not here yet: a new
    subscription is the user's one live subscription, not a duplicate."""
    checkout, sub_id, _invoice_id = subscribe(alice, stripe_site, "standard")
    deliver(client, stripe_site.event("checkout.session.completed", checkout.session_id))
    Subscription.objects.filter(subscription_id=sub_id).update(
        cancel_at_period_end=True, current_period_end=timezone.now() - timedelta(minutes=1)
    )

    again, new_id, _ = subscribe(alice, stripe_site, "pro")
    deliver(client, stripe_site.event("checkout.session.completed", again.session_id))

    assert Subscription.objects.get(subscription_id=sub_id).status == "canceled"
    new = Subscription.objects.get(subscription_id=new_id)
    assert new.status == "active" and new.duplicate_of is None
    assert not Payment.objects.filter(amount_refunded__gt=0).exists()


def test_the_database_refuses_a_second_live_subscription_for_one_user(alice, stripe_site):
    from django.db import IntegrityError, transaction

    fields = {"user": alice, "provider": "stripe", "plan": plan("standard")}
    Subscription.objects.create(subscription_id="sub_one", status="active", **fields)
    Subscription.objects.create(subscription_id="sub_old", status="canceled", **fields)

    for status in ("active", "trialing", "past_due", "incomplete"):
        with pytest.raises(IntegrityError), transaction.atomic():
            Subscription.objects.create(subscription_id=f"sub_{status}", status=status, **fields)
