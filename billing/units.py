"""Points as exact integers.

Every amount in billing is an integer number of tenths of a point (10 points = 1 currency unit, so
a tenth is one fen). A picture costs 2 (0.2 points), a 5-second video 100 (10 points). Floats never
touch an amount: people's input and settings are parsed with Decimal, and shown with
`format_points`.
"""

from decimal import Decimal, InvalidOperation

TENTHS_PER_POINT = 10


class PointsSyntaxError(ValueError):
    pass


def parse_points(text: str | int | Decimal) -> int:
    """Text to tenths: "66" -> 660, "0.2" -> 2, "-1.5" -> -15. A second decimal is refused."""
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise PointsSyntaxError(f"not a number of points: {text!r}") from None
    tenths = value * TENTHS_PER_POINT
    if not value.is_finite() or tenths != tenths.to_integral_value():
        raise PointsSyntaxError(f"points have at most one decimal place: {text!r}")
    return int(tenths)


def format_points(tenths: int) -> str:
    """660 -> "66", 2 -> "0.2", -15 -> "-1.5", 12345 -> "1234.5"."""
    sign = "-" if tenths < 0 else ""
    whole, tenth = divmod(abs(int(tenths)), TENTHS_PER_POINT)
    return f"{sign}{whole}.{tenth}" if tenth else f"{sign}{whole}"


def format_signed_points(tenths: int) -> str:
    """+66, -0.2, 0: for history rows, where the direction matters."""
    return f"+{format_points(tenths)}" if tenths > 0 else format_points(tenths)
