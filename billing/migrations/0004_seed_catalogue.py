"""The default plans (each tier monthly, quarterly, half-yearly, yearly) and top-up packs, so a
fresh install can sell (through the sandbox) at once. Staff edit them in the admin afterwards;
`manage.py seed_catalogue --stripe` creates their Stripe prices."""

from django.db import migrations

# Frozen copy of billing.catalogue's defaults as of this migration (fen; points in tenths).
MONTHLY_PRICES = {"standard": 6600, "pro": 26600, "premier": 66600}
TERMS = {"monthly": (1, 0), "quarterly": (3, 10), "half_year": (6, 15), "annual": (12, 20)}
PACKS = {
    "points-330": (3300, 0, 3300),
    "points-660": (6600, 0, 6600),
    "points-1320": (13200, 0, 13200),
    "points-3300": (33000, 2000, 33000),
}


def seed(apps, schema_editor):
    Tier = apps.get_model("billing", "Tier")
    Plan = apps.get_model("billing", "Plan")
    Pack = apps.get_model("billing", "Pack")
    for tier in Tier.objects.filter(code__in=MONTHLY_PRICES):
        for period, (months, discount) in TERMS.items():
            Plan.objects.get_or_create(
                tier=tier,
                period=period,
                defaults={
                    "price": MONTHLY_PRICES[tier.code] * months * (100 - discount) // 100,
                    "currency": "cny",
                    "first_period_percent_off": 50 if period == "monthly" else 0,
                },
            )
    for code, (points, bonus, price) in PACKS.items():
        Pack.objects.get_or_create(
            code=code,
            defaults={"points": points, "bonus_points": bonus, "price": price, "currency": "cny"},
        )


def unseed(apps, schema_editor):
    apps.get_model("billing", "Plan").objects.all().delete()
    apps.get_model("billing", "Pack").objects.filter(code__in=PACKS).delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0003_payments_catalogue_and_records")]

    operations = [migrations.RunPython(seed, unseed)]
