"""What the points history and the receipts say, in the reader's language.

Ledger entries and payments keep a note (`reason`, `description`) written once, in the language of
whoever caused it (often a webhook, in English). These functions rebuild the note from what the
row is about (its lot, its ref, the plan it paid for), translated when the page is rendered; a row
they cannot rebuild is recognised as a catalogue message where it is one (webapp/stored_text.py),
else (a staff member's own words) shown unchanged.
"""

from django.utils.translation import gettext as _

from billing.models import Entry, Lot, Membership, Payment
from billing.names import pack_name, tier_name
from billing.periods import PERIOD_MONTHS
from webapp.stored_text import shown


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
    payment = Payment.objects.filter(ref=entry.ref.removeprefix("refund:")).first()
    if payment is None:
        return shown(entry.reason)
    return _("Refund of %(what)s") % {"what": payment.title}
