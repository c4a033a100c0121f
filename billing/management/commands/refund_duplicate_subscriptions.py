"""Refund and stop the subscriptions recorded as duplicates (a second live membership of one
user) whose payments were not refunded yet: those migration 0006 found on an existing site.
New duplicates are refunded as their events arrive (billing/webhooks.py); running this again
does nothing more."""

from django.core.management.base import BaseCommand

from billing import fulfilment
from billing import stripe_gateway as gateway
from billing.models import Payment, Provider, Subscription
from billing.webhooks import refund_duplicate


class Command(BaseCommand):
    help = "Refund duplicate subscriptions' payments and cancel them at Stripe (idempotent)."

    def handle(self, *args, **options):
        duplicates = Subscription.objects.filter(duplicate_of__isnull=False).select_related("user")
        refunded = canceled = 0
        for sub in duplicates:
            if sub.provider == Provider.STRIPE:
                at_stripe = gateway.fetch_subscription(sub.subscription_id)
                if at_stripe.get("status") != "canceled":
                    gateway.client().v1.subscriptions.cancel(
                        sub.subscription_id,
                        options={"idempotency_key": f"duplicate-cancel-{sub.subscription_id}"},
                    )
                    canceled += 1
            for payment in Payment.objects.filter(subscription=sub):
                if payment.amount_refunded >= payment.amount:
                    continue
                if sub.provider == Provider.STRIPE:
                    refund_duplicate(payment)
                else:  # the sandbox took no money: only the points it gave go back
                    fulfilment.record_refund(payment, payment.amount)
                refunded += 1
        self.stdout.write(
            f"{duplicates.count()} duplicate subscription(s): {refunded} payment(s) refunded, "
            f"{canceled} canceled at Stripe"
        )
