"""What a payment buys, applied once: the functions both Stripe's webhooks and the sandbox call.

Callers hand in plain values (the object already re-fetched from Stripe, or made by the sandbox);
nothing here talks to a provider. Every function runs in one transaction with the rows it changes
locked, and is idempotent:
- a pack checkout grants its top-up lot once (lot `topup:<checkout session id>`, two years);
- a paid invoice is recorded once (Payment.ref = invoice id), extends the subscription's
  membership to the end of the period it paid for and grants the month's points once (the
  membership's lot per month; multi-month terms keep granting monthly through
  billing.memberships);
- subscription state only moves forward: an ended subscription never comes back, a period end
  never moves back;
- an upgrade takes effect at once (new tier, its monthly points now); a downgrade waits for the
  renewal invoice; a cancellation keeps access until the paid period ends;
- a refund claws back what is left of the points that payment bought, never more, never below
  zero, however often it is replayed; a payment already fully refunded when it is recorded
  (the refund came first) grants nothing at all.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import ledger
from billing.memberships import add_months, grant_month_points
from billing.middleware import forget_points_check
from billing.models import (
    CheckoutSession,
    Lot,
    Membership,
    Payment,
    Plan,
    Subscription,
)
from billing.payment_models import LIVE_SUBSCRIPTION_STATUSES
from billing.units import format_points
from webapp.accounts.language import in_language_of

logger = logging.getLogger(__name__)

TOPUP_VALID_MONTHS = 24


@dataclass(frozen=True)
class SubscriptionState:
    """A subscription as its provider has it now."""

    provider: str
    subscription_id: str
    user: object
    plan: Plan
    status: str
    period_start: datetime | None
    period_end: datetime | None
    cancel_at_period_end: bool
    ended_at: datetime | None = None


@dataclass(frozen=True)
class PaidInvoice:
    """A paid subscription invoice: the money, and the period it paid for."""

    provider: str
    invoice_id: str
    subscription_id: str
    plan: Plan | None  # the plan it charged for; None: the subscription's
    amount: int
    currency: str
    period_start: datetime
    period_end: datetime
    paid_at: datetime
    payment_intent_id: str = ""
    receipt_url: str = ""
    amount_refunded: int = 0  # refunded before it was recorded here (the refund came first)


def lock_user(user) -> None:
    """Lock the user's row until the transaction ends: whatever decides from "has this user a
    live subscription / a recorded payment yet?" takes it first, so two such decisions for one
    user never interleave. Always before the wallet (billing/ledger.py locks that)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_user needs a transaction")
    get_user_model().objects.select_for_update().only("pk").get(pk=user.pk)


# --- packs --------------------------------------------------------------------------------------


def complete_checkout(
    checkout: CheckoutSession,
    *,
    paid: bool,
    payment_intent_id: str = "",
    subscription_id: str = "",
    amount: int | None = None,
    receipt_url: str = "",
    amount_refunded: int = 0,
    now: datetime | None = None,
) -> Lot | None:
    """Record a finished checkout. A paid pack checkout grants its points (once) and its receipt,
    less what was already refunded (`amount_refunded`: a refund that came before; all of it
    refunded grants nothing); a plan checkout only notes its subscription: the membership comes
    with the paid invoice. Returns the pack's lot, or None."""
    now = now or timezone.now()
    with transaction.atomic():
        checkout = CheckoutSession.objects.select_for_update().get(pk=checkout.pk)
        if checkout.status == CheckoutSession.Status.OPEN:
            checkout.status = CheckoutSession.Status.COMPLETE
            checkout.completed_at = now
        checkout.subscription_id = checkout.subscription_id or subscription_id
        checkout.payment_intent_id = checkout.payment_intent_id or payment_intent_id
        lot = None
        if paid and checkout.pack is not None:
            lot = _fulfil_pack(checkout, amount, receipt_url, amount_refunded, now)
            checkout.fulfilled_at = checkout.fulfilled_at or now
        checkout.save()
        return lot


def _fulfil_pack(
    checkout: CheckoutSession, amount: int | None, receipt_url: str, amount_refunded: int, now
) -> Lot | None:
    recorded = Payment.objects.filter(ref=checkout.session_id).first()
    if recorded is not None:
        return recorded.lot  # granted (or refused) when it was recorded
    pack = checkout.pack
    label = _("%(points)s points pack") % {"points": format_points(pack.total_points)}
    paid = checkout.amount if amount is None else amount
    payment = Payment(
        ref=checkout.session_id,
        user=checkout.user,
        provider=checkout.provider,
        kind=Payment.Kind.PACK,
        payment_intent_id=checkout.payment_intent_id,
        description=label,
        amount=paid,
        currency=checkout.currency,
        paid_at=now,
        receipt_url=receipt_url,
    )
    if paid and amount_refunded >= paid:
        payment.amount_refunded = paid
        payment.save()
        logger.warning("pack checkout %s was refunded before it was fulfilled", payment.ref)
        return None
    payment.lot, _created = ledger.grant(
        checkout.user,
        pack.total_points,
        Lot.Source.TOPUP,
        f"topup:{checkout.session_id}",
        expires_at=add_months(now, TOPUP_VALID_MONTHS),
        reason=label,
        now=now,
    )
    payment.save()
    if amount_refunded:
        record_refund(payment, amount_refunded, now)
    return payment.lot


def expire_checkout(checkout: CheckoutSession) -> None:
    CheckoutSession.objects.filter(pk=checkout.pk, status=CheckoutSession.Status.OPEN).update(
        status=CheckoutSession.Status.EXPIRED
    )


# --- subscriptions ------------------------------------------------------------------------------


def sync_subscription(state: SubscriptionState, now: datetime | None = None) -> Subscription:
    """Bring the local subscription to the provider's state, forward only. A higher tier than the
    current membership's starts now; a lower one waits for the renewal (`next_plan`); an ended
    subscription ends the membership at `ended_at`."""
    now = now or timezone.now()
    with transaction.atomic():
        lock_user(state.user)
        sub = Subscription.objects.select_for_update().filter(
            subscription_id=state.subscription_id
        ).first() or _new_subscription(state, now)
        if sub.status == Subscription.Status.CANCELED:
            return sub  # ended for good; a late "updated" cannot revive it
        if state.period_end and (
            sub.current_period_end is None or state.period_end >= sub.current_period_end
        ):
            sub.current_period_start, sub.current_period_end = state.period_start, state.period_end
        sub.status = state.status
        sub.cancel_at_period_end = state.cancel_at_period_end
        if state.plan.pk != sub.plan_id or sub.next_plan_id:
            _change_plan(sub, state.plan, now)
        if state.status == Subscription.Status.CANCELED:
            sub.ended_at = state.ended_at or now
            sub.next_plan = None
            if sub.membership is not None:
                _end_membership(sub.membership, sub.ended_at)
        sub.save()
        forget_points_check(sub.user)
        return sub


def _new_subscription(state: SubscriptionState, now: datetime) -> Subscription:
    """The first we hear of a subscription (the user row is locked). If the user already has a
    live one, this one is a duplicate (two checkouts paid side by side): it is recorded as ended
    at once, pointing at the live one, and gives nothing; the caller refunds and cancels it."""
    fields = {
        "user": state.user,
        "provider": state.provider,
        "subscription_id": state.subscription_id,
        "plan": state.plan,
        "status": state.status,
        "current_period_start": state.period_start,
        "current_period_end": state.period_end,
        "cancel_at_period_end": state.cancel_at_period_end,
    }
    if state.status not in LIVE_SUBSCRIPTION_STATUSES:
        return Subscription.objects.create(**fields)
    live = _live_subscription_of(state.user, now)
    if live is None:
        return Subscription.objects.create(**fields)
    logger.error(
        "duplicate subscription %s of user %s: %s is already live; ended here, to be refunded",
        state.subscription_id,
        state.user.pk,
        live.subscription_id,
    )
    fields.update(status=Subscription.Status.CANCELED, ended_at=now, duplicate_of=live)
    return Subscription.objects.create(**fields)


def _live_subscription_of(user, now: datetime) -> Subscription | None:
    """The user's live subscription, if any. One canceled at a period end that has passed (its
    end not heard of yet) is ended here first: it is over, and a new one may start."""
    live = (
        Subscription.objects.select_for_update()
        .filter(user=user, status__in=LIVE_SUBSCRIPTION_STATUSES)
        .first()
    )
    ended = live is not None and live.cancel_at_period_end and live.current_period_end
    if ended and live.current_period_end <= now:
        live.status, live.ended_at = Subscription.Status.CANCELED, live.current_period_end
        if live.membership is not None:
            _end_membership(live.membership, live.ended_at)
        live.save()
        return None
    return live


def _change_plan(sub: Subscription, plan: Plan, now: datetime) -> None:
    membership = _live(sub.membership, now)
    if plan.pk == sub.plan_id:
        sub.next_plan = None  # a scheduled downgrade was taken back
    elif membership is not None and plan.tier.rank > membership.tier.rank:
        sub.membership = _start_membership(sub, plan, now, membership.ends_at)
        grant_month_points(sub.membership, now)
        sub.plan, sub.next_plan = plan, None
    elif membership is not None and plan.tier.rank < membership.tier.rank:
        sub.next_plan = plan
    else:
        sub.plan, sub.next_plan = plan, None


def record_paid_invoice(invoice: PaidInvoice, now: datetime | None = None) -> Lot | None:
    """Record a paid invoice once and give what it paid for: the membership runs to the end of
    its period and this month's points are granted. An invoice already fully refunded when it
    is recorded (the refund came first) gives nothing; a partly refunded one takes back that
    share. Returns the lot granted (None when nothing new was due, e.g. the subscription already
    ended)."""
    now = now or timezone.now()
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().get(subscription_id=invoice.subscription_id)
        payment, created = Payment.objects.get_or_create(
            ref=invoice.invoice_id,
            defaults={
                "user": sub.user,
                "provider": invoice.provider,
                "kind": Payment.Kind.INVOICE,
                "subscription": sub,
                "payment_intent_id": invoice.payment_intent_id,
                "description": str(invoice.plan or sub.plan),
                "amount": invoice.amount,
                "currency": invoice.currency,
                "paid_at": invoice.paid_at,
                "receipt_url": invoice.receipt_url,
            },
        )
        if not created:
            _mark_fulfilled(sub, now)
            return None
        if invoice.amount and invoice.amount_refunded >= invoice.amount:
            payment.amount_refunded = invoice.amount
            payment.save(update_fields=["amount_refunded"])
            logger.warning("invoice %s was refunded before it was recorded", invoice.invoice_id)
            _mark_fulfilled(sub, now)
            return None
        plan = invoice.plan or sub.next_plan or sub.plan
        ends_at = invoice.period_end
        if sub.status == Subscription.Status.CANCELED and sub.ended_at:
            ends_at = min(ends_at, sub.ended_at)
        lot = None
        if ends_at > now and ends_at > invoice.period_start:
            membership = _extend_membership(sub, plan, invoice.period_start, ends_at, now)
            lot = grant_month_points(membership, now)
            payment.lot = lot
            payment.save(update_fields=["lot"])
        if sub.next_plan_id == plan.pk:
            sub.plan, sub.next_plan = plan, None
        sub.payment_failed_at = None
        sub.save()
        _mark_fulfilled(sub, now)
        if invoice.amount_refunded:
            record_refund(payment, invoice.amount_refunded, now)
        forget_points_check(sub.user)
        return lot


def _mark_fulfilled(sub: Subscription, now: datetime) -> None:
    """The checkout that started this subscription now shows "payment received"."""
    CheckoutSession.objects.filter(
        subscription_id=sub.subscription_id, fulfilled_at__isnull=True
    ).update(status=CheckoutSession.Status.COMPLETE, fulfilled_at=now)


def record_failed_invoice(subscription_id: str, now: datetime | None = None) -> Subscription:
    """Note that a renewal could not be charged and tell the user by e-mail (after commit)."""
    now = now or timezone.now()
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().get(subscription_id=subscription_id)
        sub.payment_failed_at = now
        sub.save(update_fields=["payment_failed_at", "updated_at"])
        user = sub.user
        transaction.on_commit(lambda: _tell_payment_failed(user, sub))
        return sub


def _tell_payment_failed(user, sub: Subscription) -> None:
    with in_language_of(user):
        _send_payment_failed(user, sub)


def _send_payment_failed(user, sub: Subscription) -> None:
    send_mail(
        _("Your membership payment failed"),
        _(
            "We could not charge your card for your %(plan)s membership. Please update your card "
            "on your billing page: %(url)s\nYour membership stays active until %(date)s."
        )
        % {
            "plan": sub.plan,
            "url": settings.SITE_URL + reverse("billing:billing"),
            "date": sub.current_period_end.date().isoformat() if sub.current_period_end else "",
        },
        None,
        [user.email],
        fail_silently=True,
    )


# --- refunds ------------------------------------------------------------------------------------


def record_refund(payment: Payment, amount_refunded: int, now: datetime | None = None) -> int:
    """A (partly) refunded payment: take back the same share of the points it bought, as far as
    they are unspent. `amount_refunded` is the total refunded so far; it only grows. Returns the
    tenths taken back by this call."""
    now = now or timezone.now()
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if amount_refunded <= payment.amount_refunded:
            return 0
        payment.amount_refunded = min(amount_refunded, payment.amount)
        payment.save(update_fields=["amount_refunded"])
        if payment.lot is None or payment.amount == 0:
            return 0
        share = payment.lot.amount * payment.amount_refunded // payment.amount
        return ledger.claw_back(
            payment.lot,
            share,
            ref=f"refund:{payment.ref}",
            reason=_("refund of %(what)s") % {"what": payment.description},
            now=now,
        )


# --- memberships --------------------------------------------------------------------------------


def _live(membership: Membership | None, now: datetime) -> Membership | None:
    if membership is None or membership.status != Membership.Status.ACTIVE:
        return None
    return membership if membership.ends_at > now else None


def _extend_membership(sub: Subscription, plan: Plan, starts_at, ends_at, now) -> Membership:
    current = sub.membership
    if (
        current is not None
        and current.status == Membership.Status.ACTIVE
        and current.tier_id == plan.tier_id
    ):
        if ends_at > current.ends_at:
            current.ends_at = ends_at
            current.save(update_fields=["ends_at"])
        return current
    sub.membership = _start_membership(sub, plan, starts_at, ends_at)
    return sub.membership


def _start_membership(sub: Subscription, plan: Plan, starts_at, ends_at) -> Membership:
    """A membership of the plan's tier from `starts_at`; the subscription's previous one ends
    there, so two tiers never grant points for the same time."""
    if sub.membership is not None:
        _end_membership(sub.membership, starts_at)
    return Membership.objects.create(
        user=sub.user, tier=plan.tier, period=plan.period, starts_at=starts_at, ends_at=ends_at
    )


def _end_membership(membership: Membership, at: datetime) -> None:
    if at <= membership.starts_at:
        membership.status = Membership.Status.CANCELED
        membership.save(update_fields=["status"])
    elif at < membership.ends_at:
        membership.ends_at = at
        membership.save(update_fields=["ends_at"])
