"""The local stand-in for Stripe when no keys are set: a "test payment — no card is charged" page
whose Pay button produces what Stripe's events would, and hands it to the very same fulfilment
functions the webhooks call. Subscriptions renew (or end) at their period end by the periodic
`renew_due`, as Stripe would."""

import logging
import uuid
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from billing import fulfilment
from billing.checkout import live_subscription
from billing.fulfilment import PaidInvoice, SubscriptionState
from billing.memberships import add_months
from billing.models import CheckoutSession, Lot, Plan, Provider, Subscription

logger = logging.getLogger(__name__)


def pay(checkout: CheckoutSession, now: datetime | None = None) -> Lot | None:
    """The buyer pressed Pay on the sandbox page. Idempotent: paying twice fulfils once. A plan
    checkout paid while the user already has a live membership (two tabs, paid at once) is
    voided: expired, not charged, logged."""
    now = now or timezone.now()
    with transaction.atomic():
        # The user's row first: two plan checkouts paid in parallel decide one after the other.
        fulfilment.lock_user(checkout.user)
        checkout = CheckoutSession.objects.select_for_update().get(pk=checkout.pk)
        if checkout.status != CheckoutSession.Status.OPEN:
            return None
        intent = f"sbx_pi_{uuid.uuid4().hex}"
        if checkout.pack is not None:
            return fulfilment.complete_checkout(
                checkout, paid=True, payment_intent_id=intent, now=now
            )
        plan = checkout.plan
        if live_subscription(checkout.user) is not None:
            fulfilment.expire_checkout(checkout)
            logger.warning(
                "sandbox checkout %s voided: user %s already has a live membership",
                checkout.session_id,
                checkout.user_id,
            )
            return None
        amount = checkout.amount  # the first-term discount was decided when it was started
        subscription_id = f"sbx_sub_{uuid.uuid4().hex}"
        ends_at = add_months(now, plan.months)
        fulfilment.complete_checkout(
            checkout, paid=True, subscription_id=subscription_id, payment_intent_id=intent, now=now
        )
        fulfilment.sync_subscription(_state(checkout.user, subscription_id, plan, now, ends_at))
        return fulfilment.record_paid_invoice(
            _invoice(subscription_id, plan, amount, now, ends_at, now, intent), now
        )


def upgrade_charge(sub: Subscription, plan: Plan, at: datetime) -> int:
    """What upgrading `sub` to `plan` at `at` is charged at once: the price difference for the
    share of the paid period left, rounded to the smallest unit (Stripe prorates the same way
    from `proration_date`). 0 for anything but an upgrade inside a paid period."""
    start, end = sub.current_period_start, sub.current_period_end
    if plan.tier.rank <= sub.plan.tier.rank or not (start and end and end > at >= start):
        return 0
    left = (end - at) / (end - start)
    return max(0, round((plan.price - sub.plan.price) * left))


def change_plan(
    sub: Subscription,
    plan: Plan,
    now: datetime | None = None,
    prorate_from: datetime | None = None,
) -> Subscription:
    """As Stripe does with our change request: an upgrade is charged now for the rest of the
    period (the price difference, prorated from `prorate_from`, the moment the price was quoted,
    as Stripe's proration_date) and starts at once; anything else is charged from the next
    renewal."""
    now = now or timezone.now()
    with transaction.atomic():
        upgrade = plan.tier.rank > sub.plan.tier.rank
        start, end = sub.current_period_start, sub.current_period_end
        prorated = upgrade_charge(sub, plan, prorate_from or now)
        sub = fulfilment.sync_subscription(
            _state(sub.user, sub.subscription_id, plan, start, end), now
        )
        if upgrade and start and end and end > now:
            fulfilment.record_paid_invoice(
                _invoice(sub.subscription_id, plan, prorated, now, end, now), now
            )
        return sub


def cancel(sub: Subscription, now: datetime | None = None) -> Subscription:
    """Cancel at the end of the paid period, as the Customer Portal does."""
    state = _state(
        sub.user,
        sub.subscription_id,
        sub.plan,
        sub.current_period_start,
        sub.current_period_end,
        cancel=True,
    )
    return fulfilment.sync_subscription(state, now)


def renew_due(now: datetime | None = None) -> int:
    """Each sandbox subscription whose period has ended: renewed and paid, or ended if it was
    canceled. Returns how many were handled."""
    now = now or timezone.now()
    due = Subscription.objects.filter(
        provider=Provider.SANDBOX,
        status=Subscription.Status.ACTIVE,
        current_period_end__lte=now,
    ).select_related("plan", "next_plan", "user")
    count = 0
    for sub in due:
        start = sub.current_period_end
        if sub.cancel_at_period_end:
            state = _state(
                sub.user,
                sub.subscription_id,
                sub.plan,
                sub.current_period_start,
                start,
                cancel=True,
                status=Subscription.Status.CANCELED,
                ended_at=start,
            )
            fulfilment.sync_subscription(state, now)
        else:
            plan = sub.next_plan or sub.plan
            end = add_months(start, plan.months)
            with transaction.atomic():
                fulfilment.sync_subscription(
                    _state(sub.user, sub.subscription_id, plan, start, end), now
                )
                fulfilment.record_paid_invoice(
                    _invoice(sub.subscription_id, plan, plan.price, start, end, now), now
                )
        count += 1
    return count


def _state(user, subscription_id, plan, start, end, cancel=False, status="active", ended_at=None):
    return SubscriptionState(
        provider=Provider.SANDBOX,
        subscription_id=subscription_id,
        user=user,
        plan=plan,
        status=status,
        period_start=start,
        period_end=end,
        cancel_at_period_end=cancel,
        ended_at=ended_at,
    )


def _invoice(subscription_id, plan, amount, start, end, paid_at, intent=""):
    return PaidInvoice(
        provider=Provider.SANDBOX,
        invoice_id=f"sbx_in_{uuid.uuid4().hex}",
        subscription_id=subscription_id,
        plan=plan,
        amount=amount,
        currency=plan.currency,
        period_start=start,
        period_end=end,
        paid_at=paid_at,
        payment_intent_id=intent or f"sbx_pi_{uuid.uuid4().hex}",
    )
