import re
from dataclasses import dataclass, replace

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import ledger
from billing.models import Entry, Hold, Lot
from billing.notes import entry_note
from billing.units import format_points

HISTORY_PAGE_SIZE = 25


@dataclass(frozen=True)
class HistoryRow:
    entry: Entry
    title: str
    detail: str
    hold: Hold | None  # for hold, capture and release rows: how the hold ended
    link: str = ""  # the job page, for rows about one of the user's jobs that still exists


@login_required
def points(request):
    """The user's balance split by lot, and every movement of their points, newest first."""
    now = timezone.now()
    balance = ledger.balance(request.user, now)
    page = Paginator(ledger.history(request.user), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    refs = {entry.ref for entry in page if entry.kind in _HOLD_KINDS}
    holds = {h.ref: h for h in Hold.objects.filter(wallet__user=request.user, ref__in=refs)}
    live_jobs = _live_jobs(request.user, {entry.ref for entry in page})
    rows = [_linked(_row(entry, holds.get(entry.ref)), live_jobs) for entry in page]
    return render(
        request,
        "billing/points.html",
        {
            "balance": balance,
            "on_hold": ledger.held_total(request.user),
            "lots": ledger.live_lots(request.user, now),
            "page": page,
            "rows": rows,
        },
    )


_HOLD_KINDS = {Entry.Kind.HOLD, Entry.Kind.CAPTURE, Entry.Kind.RELEASE}
_JOB_REF = re.compile(r"^job:(\d+)(?::\d+)?$")  # job:<id>, or job:<id>:<round> after an appeal


def _job_id(ref: str) -> int | None:
    match = _JOB_REF.match(ref or "")
    return int(match.group(1)) if match else None


def _ref_label(ref: str) -> str:
    """ "job:12:1" -> "job #12": how a person names it."""
    job_id = _job_id(ref)
    return _("job #%(id)s") % {"id": job_id} if job_id else ref


def _live_jobs(user, refs) -> set[int]:
    from generation.models import Job

    ids = {job_id for ref in refs if (job_id := _job_id(ref))}
    return set(
        Job.objects.filter(pk__in=ids, user=user, deleted_at=None).values_list("pk", flat=True)
    )


def _linked(row: HistoryRow, live_jobs: set[int]) -> HistoryRow:
    job_id = _job_id(row.entry.ref)
    if job_id not in live_jobs:
        return row
    return replace(row, link=reverse("generation:job", args=[job_id]))


def _row(entry: Entry, hold: Hold | None) -> HistoryRow:
    source = entry.lot.get_source_display() if entry.lot else ""
    if entry.kind == Entry.Kind.GRANT:
        return HistoryRow(
            entry, _("%(source)s granted") % {"source": source}, entry_note(entry), None
        )
    if entry.kind == Entry.Kind.HOLD:
        return HistoryRow(
            entry,
            _("Held for %(ref)s") % {"ref": _ref_label(entry.ref)},
            _("from %s") % source,
            hold,
        )
    if entry.kind == Entry.Kind.CAPTURE:
        spent = format_points(hold.amount) if hold else ""
        return HistoryRow(
            entry,
            _("Spent on %(ref)s") % {"ref": _ref_label(entry.ref)},
            _("%s points") % spent,
            hold,
        )
    if entry.kind == Entry.Kind.RELEASE:
        if entry.lot and entry.lot.source == Lot.Source.REFUND:
            detail = _("as refund points: the points it held expired meanwhile")
        else:
            detail = _("back to %s") % source
        return HistoryRow(
            entry, _("Returned from %(ref)s") % {"ref": _ref_label(entry.ref)}, detail, hold
        )
    if entry.kind == Entry.Kind.EXPIRE:
        return HistoryRow(entry, _("%(source)s expired") % {"source": source}, "", None)
    if entry.kind == Entry.Kind.CLAWBACK:
        return HistoryRow(entry, _("Taken back after a refund"), entry_note(entry), None)
    return HistoryRow(entry, _("Adjusted by staff"), entry.reason, None)
