"""Cursor pagination over a queryset ordered by descending id: the cursor is the last id seen,
opaque to clients, so pages stay stable while new rows arrive at the top."""

import base64

from django.utils.translation import gettext as _

from webapp.api.problems import Problem

MAX_LIMIT = 100


def encode(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _sep, value = text.partition(":")
        if kind != "id" or not value.isdigit() or len(value) > 18:
            raise ValueError
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise Problem(422, "invalid_cursor", _("This cursor is not one this API gave.")) from None


def page(queryset, cursor: str | None, limit: int) -> tuple[list, str | None]:
    """One page of `queryset` (newest first) and the cursor of the next, None at the end."""
    queryset = queryset.order_by("-id")
    if cursor:
        queryset = queryset.filter(id__lt=decode(cursor))
    rows = list(queryset[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode(rows[-1].id) if more and rows else None
