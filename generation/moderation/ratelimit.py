"""Abuse control: how many jobs one user may submit in a window (setting JOB_SUBMIT_RATE).

A fixed-window counter in the cache (webapp/ratelimit.py). Every
submission that reaches screening counts, refused ones too, so the filters cannot be probed
at speed.
"""

import re
import time

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext as _

from webapp.ratelimit import count_in_window

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")


def parse_rate(rate: str) -> tuple[int, int] | None:
    """ "10/m" → (10, 60); "30/5m" → (30, 300); "" or "0/m" → None (no limit)."""
    if not rate:
        return None
    match = RATE.match(rate)
    if not match:
        raise ImproperlyConfigured(f"JOB_SUBMIT_RATE must look like 10/m or 30/5m, got {rate!r}")
    count, multiple, unit = match.groups()
    if int(count) == 0:
        return None
    return int(count), int(multiple or 1) * UNITS[unit]


def check_job_submission(user, now: float | None = None) -> None:
    """Count this submission; raise ValidationError once the user is over the limit."""
    limit = parse_rate(settings.JOB_SUBMIT_RATE)
    if limit is None:
        return
    count, period = limit
    now = time.time() if now is None else now
    used, window = count_in_window(f"job-submit:{user.pk}", period, now)
    if used > count:
        wait = int((window + 1) * period - now) + 1
        raise ValidationError(
            _(
                "You are submitting jobs too quickly (at most %(count)d every %(period)s). "
                "Please wait %(wait)d s and try again."
            )
            % {"count": count, "period": _describe(period), "wait": wait},
            code="rate_limited",
        )


def _describe(seconds: int) -> str:
    if seconds % 3600 == 0:
        return _("%(n)d h") % {"n": seconds // 3600}
    if seconds % 60 == 0:
        return _("%(n)d min") % {"n": seconds // 60}
    return _("%(n)d s") % {"n": seconds}
