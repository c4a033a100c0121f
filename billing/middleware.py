"""Grants the points a signed-in user is due (today's daily points, this month's membership
points) on their first request after the last check, without a query on the requests between."""

import math
from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

from billing.daily import end_of_day, grant_daily_points
from billing.memberships import grant_membership_points, next_membership_change

# An unverified account is looked at again this often, so verifying pays out the same day.
UNVERIFIED_RECHECK = timedelta(minutes=5)


def points_check_key(user_id: int) -> str:
    return f"billing:points-checked:{user_id}"


def forget_points_check(user) -> None:
    """Make the user's next request look for due points again (e.g. a membership was assigned)."""
    cache.delete(points_check_key(user.pk))


def grant_points_due(user, now: datetime | None = None) -> None:
    """Grant what is due unless the cache says it was done and nothing new is due until later.
    The cache only saves queries; the unique lot per grant is what keeps a grant single."""
    key = points_check_key(user.pk)
    if cache.get(key):
        return
    now = now or timezone.now()
    daily = grant_daily_points(user, now)
    grant_membership_points(user, now)
    next_check = end_of_day(now)
    if daily is None:
        next_check = min(next_check, now + UNVERIFIED_RECHECK)
    change = next_membership_change(user, now)
    if change is not None:
        next_check = min(next_check, change)
    cache.set(key, True, timeout=max(1, math.ceil((next_check - now).total_seconds())))


class DailyPointsMiddleware:
    """After AuthenticationMiddleware: one cache read per signed-in request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            grant_points_due(user)
        return self.get_response(request)
