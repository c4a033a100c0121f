"""Membership periods and their monthly points.

A membership runs from `starts_at` for 1, 3, 6 or 12 months. Month i of it runs from
starts_at + i months to starts_at + i + 1 months (counted in the site's time zone, the day clamped
to the month's length: a membership from 31 January renews on 28 or 29 February). At the start of
each month the tier's monthly points are granted as one lot that lapses at that month's end.
"""

import calendar
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext

from billing import ledger
from billing.daily import site_zone
from billing.models import Lot, Membership
from billing.periods import PERIOD_MONTHS


def add_months(moment: datetime, months: int) -> datetime:
    """The same wall-clock time `months` later in the site's time zone, day clamped."""
    local = moment.astimezone(site_zone())
    month_index = local.month - 1 + months
    year, month = local.year + month_index // 12, month_index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


def membership_end(starts_at: datetime, period: str) -> datetime:
    return add_months(starts_at, PERIOD_MONTHS[period])


@dataclass(frozen=True)
class MembershipMonth:
    index: int  # 0 for the first month
    starts_at: datetime
    ends_at: datetime


def membership_month(membership: Membership, now: datetime) -> MembershipMonth | None:
    """Which month of the membership `now` falls in, or None outside it."""
    if not (membership.starts_at <= now < membership.ends_at):
        return None
    start = membership.starts_at.astimezone(site_zone())
    local = now.astimezone(site_zone())
    index = max(0, (local.year - start.year) * 12 + local.month - start.month)
    while index > 0 and add_months(start, index) > now:
        index -= 1
    while add_months(start, index + 1) <= now:
        index += 1
    month_end = min(add_months(start, index + 1), membership.ends_at)
    return MembershipMonth(index, add_months(start, index), month_end)


def live_memberships(user, now: datetime):
    """Active memberships that cover `now` or start later: the ones that can still grant points."""
    return (
        Membership.objects.filter(user=user, status=Membership.Status.ACTIVE, ends_at__gt=now)
        .select_related("tier")
        .order_by("starts_at")
    )


def grant_month_points(membership: Membership, now: datetime) -> Lot | None:
    """This month's points of one membership, once (source_ref membership:<id>:<month index>),
    expiring at the end of the membership month. None outside the membership or for a tier
    without monthly points."""
    month = membership_month(membership, now)
    if month is None or membership.tier.monthly_points <= 0:
        return None
    months = PERIOD_MONTHS.get(membership.period, 1)
    lot, _ = ledger.grant(
        membership.user,
        membership.tier.monthly_points,
        Lot.Source.MEMBERSHIP,
        f"membership:{membership.pk}:{month.index}",
        expires_at=month.ends_at,
        # Kept in the writer's language; pages show it in the reader's (billing/notes.py).
        reason=gettext("%(tier)s membership, month %(month)s of %(months)s")
        % {"tier": membership.tier.name, "month": month.index + 1, "months": months},
        now=now,
    )
    return lot


def grant_membership_points(user, now: datetime | None = None) -> list[Lot]:
    """This month's points for each of the user's current memberships (idempotent)."""
    now = now or timezone.now()
    lots = (grant_month_points(m, now) for m in live_memberships(user, now))
    return [lot for lot in lots if lot is not None]


def next_membership_change(user, now: datetime) -> datetime | None:
    """When the user's memberships next start, roll to a new month, or end."""
    moments = []
    for membership in live_memberships(user, now):
        month = membership_month(membership, now)
        moments.append(month.ends_at if month else membership.starts_at)
    return min(moments, default=None)


def grant_due_membership_points(now: datetime | None = None) -> int:
    """The periodic sweep: grant this month's points of every current membership. Returns how
    many memberships were looked at; granting is idempotent, so running it often is harmless."""
    now = now or timezone.now()
    current = Membership.objects.filter(
        status=Membership.Status.ACTIVE, starts_at__lte=now, ends_at__gt=now
    ).select_related("tier", "user")
    count = 0
    for membership in current.iterator():
        grant_month_points(membership, now)
        count += 1
    return count
