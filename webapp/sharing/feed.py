"""What explore and the profile pages list: keyset ("cursor") pages over the partial indexes of
models.Share, one query per page whatever its length."""

from datetime import UTC, datetime

from django.db.models import Q

from generation.models import Job
from webapp.sharing.models import LISTED, Share

PAGE_SIZE = 24
SORTS = ("newest", "trending", "picks")
ASPECT_RATIOS = ("16:9", "9:16", "1:1")
# The column each order walks, newest or highest first; the id breaks ties.
_ORDER = {"newest": "published_at", "trending": "hot", "picks": "featured_at"}


class BadCursor(ValueError):
    pass


def listed():
    """Public, not hidden, and neither the work nor its creator's account deleted."""
    return Share.objects.filter(
        LISTED, job__deleted_at=None, user__is_active=True, user__deleted_at=None
    ).select_related("job", "user", "user__profile")


def _encode(value, pk: int) -> str:
    if isinstance(value, datetime):
        value = int(value.timestamp() * 1_000_000)
    return f"{value!r}~{pk}"


def _decode(sort: str, cursor: str):
    try:
        raw, pk = cursor.split("~")
        pk = int(pk)
        if sort == "trending":
            return float(raw), pk
        return datetime.fromtimestamp(int(raw) / 1_000_000, tz=UTC), pk
    except (ValueError, OverflowError, OSError) as exc:
        raise BadCursor(cursor) from exc


def query(sort="newest", kind="", aspect="", cursor="", user=None):
    """The feed's rows in order, from the cursor on. Unknown sort, kind or aspect values are
    ignored; a malformed cursor raises BadCursor."""
    sort = sort if sort in SORTS else "newest"
    column = _ORDER[sort]
    shares = listed()
    if user is not None:
        shares = shares.filter(user=user)
    if kind in Job.Kind.values:
        shares = shares.filter(kind=kind)
    if aspect in ASPECT_RATIOS:
        shares = shares.filter(aspect_ratio=aspect)
    if sort == "picks":
        shares = shares.filter(featured_at__isnull=False)
    if cursor:
        value, pk = _decode(sort, cursor)
        shares = shares.filter(Q(**{f"{column}__lt": value}) | Q(**{column: value, "pk__lt": pk}))
    return shares.order_by(f"-{column}", "-pk")


def page(sort="newest", kind="", aspect="", cursor="", user=None, size=PAGE_SIZE):
    """One page of the feed and the cursor of the next (None on the last page)."""
    rows = list(query(sort, kind, aspect, cursor, user)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    column = _ORDER[sort if sort in SORTS else "newest"]
    next_cursor = _encode(getattr(rows[-1], column), rows[-1].pk) if more else None
    return rows, next_cursor
