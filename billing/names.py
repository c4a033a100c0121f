"""The names of what is sold, in the reader's language: tiers, plans, packs. Below the models,
which show them as their own names, and the notes and receipts, which quote them."""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from billing.units import format_points

# The seeded tiers' names (billing/migrations/0002_seed_tiers.py), for the catalogue; a tier
# staff create under another name shows that name as it is.
TIER_NAMES = [
    pgettext_lazy("membership tier", "Standard"),
    pgettext_lazy("membership tier", "Pro"),
    pgettext_lazy("membership tier", "Premier"),
]


def tier_name(tier) -> str:
    return pgettext("membership tier", tier.name)


def plan_name(plan) -> str:
    """The plan's name in the reader's language: "Pro (Monthly)", "专业版（月度）"."""
    return _("%(tier)s (%(period)s)") % {
        "tier": tier_name(plan.tier),
        "period": plan.get_period_display(),
    }


def pack_name(points: int) -> str:
    return _("%(points)s points pack") % {"points": format_points(points)}
