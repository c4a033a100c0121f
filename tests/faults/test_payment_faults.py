"""Payment faults on PostgreSQL: two plan checkouts paid at the same moment (the sandbox's Pay in
parallel threads; Stripe's signed webhooks racing), and a refund racing the purchase it refunds.

Each test ends with every wallet balanced (tests/conftest.py checks `audit_wallet` after every
test) and no user with two live subscriptions (checked here after every test).
"""

import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test import Client

from billing import ledger
from billing.checkout import start_checkout
from billing.models import (
    CheckoutSession,
    Lot,
    Pack,
    Payment,
    Plan,
    Subscription,
    WebhookEvent,
)
from billing.payment_models import LIVE_SUBSCRIPTION_STATUSES
from tests.conftest import make_user, tier
from tests.fake_stripe import deliver

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("requires_postgres"),
]


@pytest.fixture(autouse=True)
def no_user_has_two_live_subscriptions(db):
    yield
    doubled = (
        Subscription.objects.filter(status__in=LIVE_SUBSCRIPTION_STATUSES)
        .values("user")
        .annotate(live=Count("id"))
        .filter(live__gt=1)
    )
    assert not doubled.exists(), list(doubled)


@pytest.fixture
def sandbox_site(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.PAYMENTS_SANDBOX = True
    for code in ("standard", "pro", "premier"):
        tier(code)
    # Transactional tests flush the data migrations' rows: seed the catalogue again.
    call_command("seed_catalogue", stdout=io.StringIO())


def at_once(*calls):
    """Run the calls in parallel threads, released together; returns their results in order."""
    barrier = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), []

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


def plan(code) -> Plan:
    return Plan.objects.select_related("tier").get(tier__code=code, period="monthly")


def membership_lots(user) -> list[int]:
    return list(
        Lot.objects.filter(wallet__user=user, source=Lot.Source.MEMBERSHIP).values_list(
            "amount", flat=True
        )
    )


def test_two_sandbox_plan_checkouts_paid_at_once_give_one_membership_and_void_the_other(
    sandbox_site,
):
    for run in range(4):
        user = make_user(f"tabs{run}@example.com")
        first = start_checkout(user, plan=plan("standard"))
        second = start_checkout(user, plan=plan("pro"))
        # Both still open, as two starts racing past an older web process would leave them.
        CheckoutSession.objects.filter(pk=first.pk).update(status=CheckoutSession.Status.OPEN)
        tabs = []
        for checkout in (first, second):
            tab = Client()
            tab.force_login(user)
            tabs.append((tab, f"/billing/sandbox/{checkout.session_id}/"))

        answers = at_once(*[lambda t=tab, u=url: t.post(u, {"pay": "1"}) for tab, url in tabs])

        assert [a.status_code for a in answers] == [302, 302]
        live = Subscription.objects.get(user=user, status__in=LIVE_SUBSCRIPTION_STATUSES)
        assert Subscription.objects.filter(user=user).count() == 1
        assert membership_lots(user) == [live.plan.tier.monthly_points]  # one monthly grant
        assert Payment.objects.filter(user=user).count() == 1  # the other was never charged
        statuses = sorted(
            CheckoutSession.objects.filter(user=user).values_list("status", flat=True)
        )
        assert statuses == ["complete", "expired"]


def test_two_stripe_plan_checkouts_paid_and_completed_at_once_keep_one_and_refund_the_other(
    stripe_site,
):
    for run in range(3):
        user = make_user(f"stripe-tabs{run}@example.com")
        first = start_checkout(user, plan=plan("standard"))
        stripe_site.pay_checkout(first.session_id)  # paid in tab 1; its webhook is not here yet
        second = start_checkout(user, plan=plan("pro"))  # Stripe will not expire a paid one
        stripe_site.pay_checkout(second.session_id)
        events = []
        for checkout in (first, second):
            sub_id = stripe_site.get(checkout.session_id)["subscription"]
            invoice_id = stripe_site.get(sub_id)["latest_invoice"]
            events.append(stripe_site.event("checkout.session.completed", checkout.session_id))
            events.append(stripe_site.event("invoice.paid", invoice_id))

        answers = at_once(*[lambda e=event: deliver(Client(), e) for event in events])

        assert {a.status_code for a in answers} == {200}
        live = Subscription.objects.get(user=user, status__in=LIVE_SUBSCRIPTION_STATUSES)
        duplicate = Subscription.objects.get(user=user, duplicate_of=live)
        assert duplicate.status == Subscription.Status.CANCELED
        assert stripe_site.get(duplicate.subscription_id)["status"] == "canceled"  # no renewal
        assert membership_lots(user) == [live.plan.tier.monthly_points]  # one monthly grant
        kept = Payment.objects.get(subscription=live)
        refunded = Payment.objects.get(subscription=duplicate)
        assert kept.amount_refunded == 0
        assert refunded.amount_refunded == refunded.amount > 0
        refunds = [
            r
            for r in stripe_site.refunds()
            if r["payment_intent"] in (kept.payment_intent_id, refunded.payment_intent_id)
        ]
        assert [(r["payment_intent"], r["amount"]) for r in refunds] == [
            (refunded.payment_intent_id, refunded.amount)
        ]

        # Stripe then reports the refund and the cancel: nothing changes.
        charge = stripe_site.charge_of(refunded.payment_intent_id)
        balance = ledger.balance(user)
        deliver(Client(), stripe_site.event("charge.refunded", charge))
        deliver(
            Client(), stripe_site.event("customer.subscription.deleted", duplicate.subscription_id)
        )
        assert ledger.balance(user) == balance
        assert Subscription.objects.get(pk=live.pk).status == Subscription.Status.ACTIVE


def test_a_refund_racing_its_pack_purchase_never_leaves_the_points(stripe_site):
    for run in range(5):
        user = make_user(f"refund-race{run}@example.com")
        checkout = start_checkout(user, pack=Pack.objects.get(code="points-660"))
        session = stripe_site.pay_checkout(checkout.session_id)
        charge = stripe_site.charge_of(session["payment_intent"])
        stripe_site.refund(charge, 6600)
        refund = stripe_site.event("charge.refunded", charge)
        completed = stripe_site.event("checkout.session.completed", checkout.session_id)

        answers = at_once(*[lambda e=event: deliver(Client(), e) for event in (refund, completed)])

        assert {a.status_code for a in answers} == {200}
        assert ledger.balance(user) == 0
        assert Payment.objects.get(user=user).amount_refunded == 6600
        assert not WebhookEvent.objects.filter(outcome=WebhookEvent.Outcome.PENDING).exists()


def test_the_refunded_duplicate_checkout_page_says_it_was_refunded_not_started(stripe_site):
    user = make_user("dup-page@example.com")
    first = start_checkout(user, plan=plan("standard"))
    stripe_site.pay_checkout(first.session_id)
    second = start_checkout(user, plan=plan("pro"))
    stripe_site.pay_checkout(second.session_id)
    tab = Client()
    tab.force_login(user)

    pages = [tab.get(f"/billing/checkout/{c.pk}/").content.decode() for c in (first, second)]

    assert 'data-state="fulfilled"' in pages[0]
    assert 'data-state="refunded"' in pages[1]
    assert "refunded in full" in pages[1]
    assert Payment.objects.get(subscription__duplicate_of__isnull=False).amount_refunded > 0
