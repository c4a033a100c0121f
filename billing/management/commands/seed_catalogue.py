"""Create the default plans and packs where missing; with --stripe, also their Stripe products,
prices and first-term coupons (for rows that have no Stripe price id yet).

    python manage.py seed_catalogue [--stripe]
"""

from django.core.management.base import BaseCommand, CommandError

from billing import stripe_gateway as gateway
from billing.catalogue import seed_catalogue
from billing.models import Pack, Plan
from billing.units import format_points

INTERVALS = {1: ("month", 1), 3: ("month", 3), 6: ("month", 6), 12: ("year", 1)}


class Command(BaseCommand):
    help = "Create the default membership plans and top-up packs (and their Stripe prices)."

    def add_arguments(self, parser):
        parser.add_argument("--stripe", action="store_true", help="create missing Stripe prices")

    def handle(self, *args, stripe=False, **options):
        plans, packs = seed_catalogue()
        self.stdout.write(f"created {plans} plans and {packs} packs")
        if not stripe:
            return
        if not gateway.stripe_enabled():
            raise CommandError("--stripe needs STRIPE_SECRET_KEY")
        client = gateway.client().v1
        for plan in Plan.objects.filter(stripe_price_id="").select_related("tier"):
            interval, count = INTERVALS[plan.months]
            price = client.prices.create(
                {
                    "currency": plan.currency,
                    "unit_amount": plan.price,
                    "recurring": {"interval": interval, "interval_count": count},
                    "product_data": {"name": f"{plan.tier.name} ({plan.get_period_display()})"},
                    "metadata": {"plan": str(plan.pk)},
                },
                {"idempotency_key": f"plan-price-{plan.pk}-{plan.price}"},
            )
            plan.stripe_price_id = price["id"]
            if plan.first_period_percent_off and not plan.stripe_coupon_id:
                coupon = client.coupons.create(
                    {"percent_off": plan.first_period_percent_off, "duration": "once"},
                    {"idempotency_key": f"plan-coupon-{plan.pk}-{plan.first_period_percent_off}"},
                )
                plan.stripe_coupon_id = coupon["id"]
            plan.save(update_fields=["stripe_price_id", "stripe_coupon_id"])
            self.stdout.write(f"{plan}: {plan.stripe_price_id} {plan.stripe_coupon_id}")
        for pack in Pack.objects.filter(stripe_price_id=""):
            price = client.prices.create(
                {
                    "currency": pack.currency,
                    "unit_amount": pack.price,
                    "product_data": {"name": f"{format_points(pack.total_points)} points"},
                    "metadata": {"pack": pack.code},
                },
                {"idempotency_key": f"pack-price-{pack.pk}-{pack.price}"},
            )
            pack.stripe_price_id = price["id"]
            pack.save(update_fields=["stripe_price_id"])
            self.stdout.write(f"{pack}: {pack.stripe_price_id}")
