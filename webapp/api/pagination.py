"""Cursor pagination over a queryset ordered by descending id: the cursor is the last id seen,
so pages stay stable while new rows arrive at the top."""

from django.utils.translation import gettext as _

from webapp.api.problems import Problem

MAX_LIMIT = 100


def encode(last_id: int) -> str:
    return str(last_id)


def decode(cursor: str) -> int:
    if not (cursor.isascii() and cursor.isdigit()) or len(cursor) > 18:
        raise Problem(422, "invalid_cursor", _("This cursor is not one this API gave."))
    return int(cursor)


def page(queryset, cursor: str | None, limit: int) -> tuple[list, str | None]:
    """One page of `queryset` (newest first) and the cursor of the next, None at the end."""
    queryset = queryset.order_by("-id")
    if cursor:
        queryset = queryset.filter(id__lt=decode(cursor))
    rows = list(queryset[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode(rows[-1].id) if more and rows else None
