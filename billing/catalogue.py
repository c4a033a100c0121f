"""What is for sale: membership plans (tier x term) and top-up packs, kept in the database and
edited in the staff panel. `seed_catalogue` writes the defaults below where rows are missing and
never overwrites what staff changed."""

from dataclasses import dataclass

from billing.models import Membership, Pack, Plan, Tier
from billing.units import TENTHS_PER_POINT

CURRENCY = "cny"
# Monthly price of each tier in fen, and the discount of the longer terms on twelve months of it.
MONTHLY_PRICES = {"standard": 6600, "pro": 26600, "premier": 66600}
TERM_DISCOUNT_PERCENT = {
    Membership.Period.MONTHLY: 0,
    Membership.Period.QUARTERLY: 10,
    Membership.Period.HALF_YEAR: 15,
    Membership.Period.ANNUAL: 20,
}
# A new member's first month costs half (a Stripe coupon with duration "once").
FIRST_MONTH_PERCENT_OFF = 50
# code -> (points, bonus points, price in fen)
PACKS = {
    "points-330": (330, 0, 3300),
    "points-660": (660, 0, 6600),
    "points-1320": (1320, 0, 13200),
    "points-3300": (3300, 200, 33000),
}
TERMS = list(TERM_DISCOUNT_PERCENT)


def default_plan_price(tier_code: str, period: str) -> int:
    from billing.periods import PERIOD_MONTHS

    full = MONTHLY_PRICES[tier_code] * PERIOD_MONTHS[period]
    return full * (100 - TERM_DISCOUNT_PERCENT[period]) // 100


def seed_catalogue() -> tuple[int, int]:
    """Create the default plans of every seeded tier and the default packs where missing.
    Returns (plans created, packs created); running it again creates nothing."""
    plans = packs = 0
    for tier in Tier.objects.filter(code__in=MONTHLY_PRICES):
        for period in TERMS:
            _, created = Plan.objects.get_or_create(
                tier=tier,
                period=period,
                defaults={
                    "price": default_plan_price(tier.code, period),
                    "currency": CURRENCY,
                    "first_period_percent_off": (
                        FIRST_MONTH_PERCENT_OFF if period == Membership.Period.MONTHLY else 0
                    ),
                },
            )
            plans += created
    for code, (points, bonus, price) in PACKS.items():
        _, created = Pack.objects.get_or_create(
            code=code,
            defaults={
                "points": points * TENTHS_PER_POINT,
                "bonus_points": bonus * TENTHS_PER_POINT,
                "price": price,
                "currency": CURRENCY,
            },
        )
        packs += created
    return plans, packs


@dataclass(frozen=True)
class PlanOffer:
    plan: Plan
    saving_percent: int  # against paying monthly for the same months


def offers_by_term() -> list[tuple[str, str, list[PlanOffer]]]:
    """For the pricing page: [(period, label, offers per tier)], monthly first."""
    plans = list(Plan.objects.filter(active=True).select_related("tier"))
    monthly = {p.tier_id: p for p in plans if p.period == Membership.Period.MONTHLY}
    terms = []
    for period, label in Membership.Period.choices:
        offers = []
        for plan in (p for p in plans if p.period == period):
            base = monthly.get(plan.tier_id)
            full = base.price * plan.months if base else plan.price
            saving = 100 - plan.price * 100 // full if full else 0
            offers.append(PlanOffer(plan, max(0, saving)))
        if offers:
            terms.append((period, label, offers))
    return terms


def packs_for_sale():
    return Pack.objects.filter(active=True)
