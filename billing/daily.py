"""Daily inspiration points: a fresh lot each day for verified accounts, gone at midnight."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from billing import ledger
from billing.models import Lot
from billing.units import TENTHS_PER_POINT


def site_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def site_date(now: datetime) -> date:
    """The calendar day in the site's time zone (not the visitor's): days roll over at midnight."""
    return now.astimezone(site_zone()).date()


def end_of_day(now: datetime) -> datetime:
    """The next midnight in the site's time zone: the moment today's daily points lapse."""
    return datetime.combine(site_date(now) + timedelta(days=1), time.min, tzinfo=site_zone())


def daily_amount() -> int:
    """settings.DAILY_POINTS whole points, in tenths."""
    return settings.DAILY_POINTS * TENTHS_PER_POINT


def has_verified_email(user) -> bool:
    return EmailAddress.objects.filter(user=user, verified=True).exists()


def grant_daily_points(user, now: datetime | None = None) -> Lot | None:
    """Today's daily points for a verified account, once per day (source_ref daily:<user>:<date>):
    parallel calls grant once, the unique lot guarding it. The lot expires at the end of the day;
    yesterday's remainder is written off with an `expire` entry in the same transaction.
    Returns today's lot, or None for an unverified account (or DAILY_POINTS=0)."""
    now = now or timezone.now()
    amount = daily_amount()
    if amount <= 0 or not has_verified_email(user):
        return None
    day = site_date(now)
    lot, _ = ledger.grant(
        user,
        amount,
        Lot.Source.DAILY,
        f"daily:{user.pk}:{day.isoformat()}",
        expires_at=end_of_day(now),
        # Kept in the writer's language; pages show it in the reader's (billing/notes.py).
        reason=gettext("Daily inspiration points for %(date)s") % {"date": day.isoformat()},
        now=now,
    )
    return lot
