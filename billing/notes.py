"""What the points history and the receipts say, in the reader's language.

Ledger entries and payments keep a note (`reason`, `description`) written once, in the language of
whoever caused it (often a webhook, in English). These functions rebuild the note from what the
row is about (its lot, its ref, the plan it paid for), translated when the page is rendered; a row
they cannot rebuild is recognised as a catalogue message where it is one (webapp/stored_text.py),
else (a staff member's own words) shown unchanged.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from billing.models import Entry, Lot, Membership, Tier
from billing.units import format_points
from webapp.stored_text import shown

# The seeded tiers' names (billing/migrations/0002_seed_tiers.py), for the catalogue; a tier
# staff create under another name shows that name as it is.
TIER_NAMES = [
    pgettext_lazy("membership tier", "Standard"),
    pgettext_lazy("membership tier", "Pro"),
    pgettext_lazy("membership tier", "Premier"),
]


def tier_name(tier: Tier) -> str:
    return pgettext("membership tier", tier.name)


def plan_name(plan) -> str:
    """The plan's name in the reader's language: "Pro (Monthly)", "专业版（月度）"."""
    return _("%(tier)s (%(period)s)") % {
        "tier": tier_name(plan.tier),
        "period": plan.get_period_display(),
    }


def pack_name(points: int) -> str:
    return _("%(points)s points pack") % {"points": format_points(points)}


def payment_title(payment) -> str:
    """A receipt's name: the pack's points or the plan it paid for."""
    from billing.payment_models import Payment

    if payment.kind == Payment.Kind.PACK and payment.lot_id:
        return pack_name(payment.lot.amount)
    if payment.kind == Payment.Kind.INVOICE:
        plan = _plan_described(payment)
        if plan is not None:
            return plan_name(plan)
    return shown(payment.description)


def _plan_described(payment):
    """The plan an invoice's description names, in any of the site's languages (it was written
    as str(plan) in the language active when the invoice was recorded)."""
    from billing.payment_models import Plan

    plans = list(Plan.objects.select_related("tier"))
    if payment.subscription_id:
        sub = payment.subscription
        plans.sort(key=lambda p: p.pk not in (sub.plan_id, sub.next_plan_id))
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for plan in plans:
                period = plan.get_period_display()
                # Today's wording, and the one before tier names were translated.
                if payment.description in (str(plan), f"{plan.tier.name} ({period})"):
                    return plan
    return None


def entry_note(entry: Entry) -> str:
    """The second line of a history row: what a grant was for, why points were taken back."""
    lot = entry.lot
    if entry.kind == Entry.Kind.CLAWBACK and entry.ref.startswith("refund:"):
        return _clawback_note(entry)
    if entry.kind != Entry.Kind.GRANT or lot is None:
        return shown(entry.reason)
    if lot.source == Lot.Source.DAILY:
        day = lot.source_ref.rsplit(":", 1)[-1]
        return _("Daily inspiration points for %(date)s") % {"date": day}
    if lot.source == Lot.Source.MEMBERSHIP:
        return _membership_note(lot) or shown(entry.reason)
    if lot.source == Lot.Source.TOPUP:
        return pack_name(lot.amount)
    return shown(entry.reason)


def _membership_note(lot: Lot) -> str | None:
    from billing.memberships import PERIOD_MONTHS

    try:
        _prefix, membership_id, index = lot.source_ref.split(":")
        membership = Membership.objects.select_related("tier").get(pk=int(membership_id))
        month = int(index) + 1
    except (ValueError, Membership.DoesNotExist):
        return None
    return _("%(tier)s membership, month %(month)s of %(months)s") % {
        "tier": tier_name(membership.tier),
        "month": month,
        "months": PERIOD_MONTHS.get(membership.period, 1),
    }


def _clawback_note(entry: Entry) -> str:
    from billing.payment_models import Payment

    payment = Payment.objects.filter(ref=entry.ref.removeprefix("refund:")).first()
    if payment is None:
        return shown(entry.reason)
    return _("Refund of %(what)s") % {"what": payment_title(payment)}
