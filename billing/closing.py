"""Closing a customer's billing when their account is deleted.

Nothing can be bought or renewed for a deleted account: its open checkouts are expired (a
forgotten tab cannot be paid afterwards), its live subscription ends now rather than at the
period end (no refund: the paid period is given up with the account), and the points it still
has are forfeited with `expire` entries, so its wallet still balances. Payments, subscriptions
and ledger entries themselves are kept, as accounting law requires; the account they point at
no longer holds a name or an address (webapp/accounts/closing.py).

The provider calls come first and outside any transaction: if Stripe cannot be reached, the
deletion is refused and nothing has changed.
"""

import logging

from django.utils import timezone

from billing import fulfilment, ledger
from billing import stripe_gateway as gateway
from billing.checkout import expire_at_stripe, live_subscription
from billing.fulfilment import SubscriptionState
from billing.models import CheckoutSession, Provider, Subscription
from billing.webhooks import subscription_state

logger = logging.getLogger(__name__)

FORFEIT_REASON = "account deleted"


def stop_payments(user) -> None:
    """Expire the user's open checkouts and end their live subscription now. Raises the
    provider's error (stripe.StripeError) when Stripe cannot do it; nothing local changed then
    beyond the checkouts already closed, which is harmless."""
    for checkout in CheckoutSession.objects.filter(user=user, status=CheckoutSession.Status.OPEN):
        if checkout.provider == Provider.STRIPE:
            expire_at_stripe(checkout)
        else:
            fulfilment.expire_checkout(checkout)
    sub = live_subscription(user)
    if sub is not None:
        end_subscription_now(sub)


def end_subscription_now(sub: Subscription) -> Subscription:
    """End a subscription at once: no renewal, membership over now, nothing refunded."""
    if sub.provider == Provider.SANDBOX:
        now = timezone.now()
        state = SubscriptionState(
            provider=Provider.SANDBOX,
            subscription_id=sub.subscription_id,
            user=sub.user,
            plan=sub.plan,
            status=Subscription.Status.CANCELED,
            period_start=sub.current_period_start,
            period_end=sub.current_period_end,
            cancel_at_period_end=False,
            ended_at=now,
        )
        return fulfilment.sync_subscription(state, now)
    ended = gateway.client().v1.subscriptions.cancel(
        sub.subscription_id, options={"idempotency_key": f"account-closed-{sub.subscription_id}"}
    )
    logger.info("subscription %s ended at Stripe: account deleted", sub.subscription_id)
    return fulfilment.sync_subscription(subscription_state(gateway.plain(ended)))


def forfeit_points(user) -> int:
    """Write off what is left in the wallet (holds settled first by the caller)."""
    return ledger.forfeit(user, FORFEIT_REASON)
