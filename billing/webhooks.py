"""Stripe events, each applied exactly once.

`process_event` stores the event under its unique id and runs its handler in the same
transaction, so a replay (or a delivery racing this one: it waits on the unique index) is a no-op,
and a failure rolls everything back for Stripe to retry. Handlers never trust the payload: they
re-fetch the object from Stripe and hand plain values to billing/fulfilment.py, which is also what
the sandbox calls. An event about a customer, plan or payment this site does not know is recorded
as ignored and logged; an event about a payment of a known customer that is not recorded yet
(a refund before the purchase's completion) is kept pending and applied when it is.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from billing import fulfilment
from billing import stripe_gateway as gateway
from billing.fulfilment import PaidInvoice, SubscriptionState
from billing.models import (
    CheckoutSession,
    Customer,
    Payment,
    Plan,
    Provider,
    Subscription,
    WebhookEvent,
)

logger = logging.getLogger(__name__)


class Ignored(Exception):
    """The event is valid but not ours to act on (unknown customer, plan, payment)."""


@dataclass(frozen=True)
class Pending:
    """What a handler returns for an event about a payment of ours not recorded yet: the event
    is kept and applied when it is. Returned, not raised: the handler's savepoint must commit,
    since rolling it back would release the user-row lock before the event is stored."""

    waits_for: str
    why: str


def malformed(event) -> str:
    """What makes a signed body no usable event ("" when it is one): every event Stripe sends is
    an object with an id, a type, a creation time and `data.object`, itself with an id."""
    if not isinstance(event, dict):
        return "not an object"
    if not isinstance(event.get("id"), str) or not event["id"]:
        return "no event id"
    if not isinstance(event.get("type"), str):
        return "no event type"
    if not isinstance(event.get("created", 0), int):
        return "created is not a time"
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        return "data.object is not an object"
    if not isinstance(data["object"].get("id"), str) or not data["object"]["id"]:
        return "data.object has no id"
    return ""


def process_event(event: dict) -> str:
    """Apply one verified, well-formed event (`malformed` says so) once; returns the outcome
    recorded ("processed", "ignored", "duplicate"). An object Stripe answers 404 for is ignored
    (logged): retrying would not make it exist. Transient errors (Stripe or the database
    unreachable) propagate: the caller answers 5xx and Stripe delivers again."""
    obj = event["data"]["object"]
    handler = HANDLERS.get(event.get("type", ""))
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = WebhookEvent.objects.create(
                    event_id=event["id"],
                    type=event.get("type", ""),
                    object_id=obj.get("id", ""),
                    livemode=bool(event.get("livemode")),
                    api_version=event.get("api_version") or "",
                    created=datetime.fromtimestamp(event.get("created", 0), tz=UTC),
                    outcome=WebhookEvent.Outcome.PROCESSED,
                )
        except IntegrityError:
            logger.info("stripe event %s (%s) already processed", event["id"], event.get("type"))
            return "duplicate"
        try:
            if handler is None:
                raise Ignored(f"no handler for {event.get('type')}")
            with transaction.atomic():  # an ignored event leaves nothing half-done
                result = handler(obj["id"])
        except (Ignored, gateway.NotFound) as why:
            logger.warning("stripe event %s (%s) ignored: %s", event["id"], event.get("type"), why)
            record.outcome, record.note = WebhookEvent.Outcome.IGNORED, str(why)[:300]
            record.save(update_fields=["outcome", "note"])
            return record.outcome
        if isinstance(result, Pending):
            logger.info("stripe event %s (%s) kept: %s", event["id"], event.get("type"), result.why)
            record.outcome, record.note = WebhookEvent.Outcome.PENDING, result.why[:300]
            record.waits_for = result.waits_for
            record.save(update_fields=["outcome", "note", "waits_for"])
        return record.outcome


# --- handlers: one per event type, each given the object's id ----------------------------------


def on_checkout_completed(session_id: str) -> None:
    """checkout.session.completed and async_payment_succeeded: a pack's points, or the new
    subscription with its first paid invoice (whichever of the events comes first)."""
    session = gateway.fetch_checkout_session(session_id)
    checkout = CheckoutSession.objects.filter(session_id=session_id).first()
    if checkout is None:
        raise Ignored(f"unknown checkout session {session_id}")
    # The return page asks too, also for a buyer who left Stripe's page without paying.
    if session.get("status") != "complete":
        raise Ignored(f"checkout session {session_id} is {session.get('status')}")
    paid = session.get("payment_status") in ("paid", "no_payment_required")
    subscription_id = gateway.object_id(session.get("subscription"))
    intent = gateway.object_id(session.get("payment_intent"))
    fulfilment.lock_user(checkout.user)
    fulfilment.complete_checkout(
        checkout,
        paid=paid,
        payment_intent_id=intent,
        subscription_id=subscription_id,
        amount=session.get("amount_total"),
        amount_refunded=early_refund(intent) if paid and checkout.pack_id else 0,
    )
    if subscription_id and paid:
        subscription = on_subscription_changed(subscription_id)
        latest = gateway.object_id(subscription.get("latest_invoice"))
        if latest:
            on_invoice_paid(latest)


def on_checkout_expired(session_id: str) -> None:
    checkout = CheckoutSession.objects.filter(session_id=session_id).first()
    if checkout is None:
        raise Ignored(f"unknown checkout session {session_id}")
    if gateway.fetch_checkout_session(session_id).get("status") == "expired":
        fulfilment.expire_checkout(checkout)


def on_invoice_paid(invoice_id: str) -> None:
    invoice = gateway.fetch_invoice(invoice_id)
    if invoice.get("status") != "paid":
        raise Ignored(f"invoice {invoice_id} is {invoice.get('status')}, not paid")
    subscription_id = gateway.invoice_subscription_id(invoice)
    if not subscription_id:
        raise Ignored(f"invoice {invoice_id} belongs to no subscription")
    on_subscription_changed(subscription_id)
    start, end = gateway.invoice_period(invoice)
    price_id = gateway.invoice_price_id(invoice)
    paid_at = (invoice.get("status_transitions") or {}).get("paid_at")
    intent = gateway.invoice_payment_intent_id(invoice)
    fulfilment.lock_user(_customer(invoice).user)
    fulfilment.record_paid_invoice(
        PaidInvoice(
            provider=Provider.STRIPE,
            invoice_id=invoice_id,
            subscription_id=subscription_id,
            plan=Plan.objects.filter(stripe_price_id=price_id).first() if price_id else None,
            amount=invoice.get("amount_paid", 0),
            currency=invoice.get("currency", ""),
            period_start=start,
            period_end=end,
            paid_at=gateway.moment(paid_at) or timezone.now(),
            payment_intent_id=intent,
            receipt_url=invoice.get("hosted_invoice_url") or "",
            amount_refunded=early_refund(intent),
        )
    )
    if Subscription.objects.filter(subscription_id=subscription_id, duplicate_of__isnull=False):
        refund_duplicate(Payment.objects.get(ref=invoice_id))


def refund_duplicate(payment: Payment) -> None:
    """Give back all of a payment for a duplicate subscription (paid while another was live),
    at Stripe (idempotent per payment) and here; logged for staff."""
    if not payment.payment_intent_id or payment.amount_refunded >= payment.amount:
        return
    gateway.client().v1.refunds.create(
        {"payment_intent": payment.payment_intent_id, "reason": "duplicate"},
        {"idempotency_key": f"duplicate-refund-{payment.ref}"},
    )
    fulfilment.record_refund(payment, payment.amount)
    logger.error(
        "payment %s (%s) of user %s for a duplicate subscription refunded",
        payment.ref,
        payment.amount,
        payment.user_id,
    )


def on_invoice_payment_failed(invoice_id: str) -> None:
    invoice = gateway.fetch_invoice(invoice_id)
    subscription_id = gateway.invoice_subscription_id(invoice)
    if not subscription_id:
        raise Ignored(f"invoice {invoice_id} belongs to no subscription")
    on_subscription_changed(subscription_id)
    if invoice.get("status") != "paid":
        fulfilment.record_failed_invoice(subscription_id)


def on_subscription_changed(subscription_id: str) -> dict:
    """customer.subscription.created / updated / deleted: tier, status, end of access.
    Returns the subscription as Stripe has it now."""
    subscription = gateway.fetch_subscription(subscription_id)
    sub = fulfilment.sync_subscription(subscription_state(subscription))
    if sub.duplicate_of_id and subscription.get("status") != "canceled":
        # A second live subscription: it must not renew (its payment is refunded below).
        gateway.client().v1.subscriptions.cancel(
            subscription_id, options={"idempotency_key": f"duplicate-cancel-{subscription_id}"}
        )
        logger.error("duplicate subscription %s canceled at Stripe", subscription_id)
    return subscription


def on_charge_refunded(charge_id: str) -> Pending | None:
    """A refund: take back what that payment bought. A refund of a charge of one of our customers
    whose payment is not recorded yet (it came before checkout.session.completed or
    invoice.paid) is kept pending and applied when the payment is recorded."""
    charge = gateway.fetch_charge(charge_id)
    intent = gateway.object_id(charge.get("payment_intent"))
    if not intent:
        raise Ignored(f"charge {charge_id} has no payment intent")
    customer = _customer(charge)
    fulfilment.lock_user(customer.user)  # the same lock the payment's recording takes
    payment = Payment.objects.filter(payment_intent_id=intent).first()
    if payment is None:
        return Pending(intent, f"charge {charge_id} refunded before its payment was recorded")
    fulfilment.record_refund(payment, charge.get("amount_refunded", 0))
    return None


def early_refund(intent: str) -> int:
    """How much of the payment `intent` was refunded by refund events that came before it was
    recorded (0 when none did). Those events are marked processed: the caller records the
    payment with this amount refunded, in the same transaction."""
    if not intent:
        return 0
    waiting = list(
        WebhookEvent.objects.select_for_update().filter(
            outcome=WebhookEvent.Outcome.PENDING, waits_for=intent
        )
    )
    if not waiting:
        return 0
    refunded = 0
    for charge_id in {event.object_id for event in waiting}:
        refunded = max(refunded, gateway.fetch_charge(charge_id).get("amount_refunded", 0))
    for event in waiting:
        event.outcome = WebhookEvent.Outcome.PROCESSED
        event.note = f"applied when payment {intent} was recorded"[:300]
        event.save(update_fields=["outcome", "note"])
    logger.warning("payment %s was refunded (%s) before it was recorded", intent, refunded)
    return refunded


def _customer(stripe_object: dict) -> Customer:
    customer_id = gateway.object_id(stripe_object.get("customer"))
    customer = Customer.objects.filter(stripe_id=customer_id).select_related("user").first()
    if customer is None:
        raise Ignored(f"unknown customer {customer_id}")
    return customer


HANDLERS = {
    "checkout.session.completed": on_checkout_completed,
    "checkout.session.async_payment_succeeded": on_checkout_completed,
    "checkout.session.expired": on_checkout_expired,
    "invoice.paid": on_invoice_paid,
    "invoice.payment_failed": on_invoice_payment_failed,
    "customer.subscription.created": on_subscription_changed,
    "customer.subscription.updated": on_subscription_changed,
    "customer.subscription.deleted": on_subscription_changed,
    "charge.refunded": on_charge_refunded,
}


# --- Stripe's objects read into ours -----------------------------------------------------------


def subscription_state(subscription: dict) -> SubscriptionState:
    customer = _customer(subscription)
    price_id = gateway.subscription_price_id(subscription)
    plan = Plan.objects.filter(stripe_price_id=price_id).select_related("tier").first()
    if plan is None:
        raise Ignored(f"price {price_id} is no plan of this site")
    start, end = gateway.subscription_period(subscription)
    return SubscriptionState(
        provider=Provider.STRIPE,
        subscription_id=subscription["id"],
        user=customer.user,
        plan=plan,
        status=subscription.get("status", ""),
        period_start=start,
        period_end=end,
        cancel_at_period_end=bool(subscription.get("cancel_at_period_end")),
        ended_at=gateway.moment(subscription.get("ended_at")),
    )
