from django import template

from billing.units import format_points, format_signed_points

register = template.Library()


@register.filter(name="points")
def points_filter(tenths):
    """{{ 660|points }} -> 66, {{ 2|points }} -> 0.2."""
    return "" if tenths is None else format_points(tenths)


@register.filter
def signed_points(tenths):
    """{{ -100|signed_points }} -> -10, {{ 660|signed_points }} -> +66."""
    return "" if tenths is None else format_signed_points(tenths)


CURRENCY_SIGNS = {"cny": "¥", "usd": "$", "eur": "€", "gbp": "£", "jpy": "¥"}
ZERO_DECIMAL = {"jpy", "krw"}


@register.filter
def money(amount, currency="cny"):
    """{{ 6600|money:"cny" }} -> ¥66.00: amounts are in the currency's smallest unit."""
    if amount is None:
        return ""
    currency = (currency or "").lower()
    sign = CURRENCY_SIGNS.get(currency, currency.upper() + " ")
    if currency in ZERO_DECIMAL:
        return f"{sign}{amount:,}"
    return f"{sign}{amount // 100:,}.{amount % 100:02d}"


@register.filter
def lot_source(code):
    """{{ "membership"|lot_source }} -> "Membership points", in the reader's language."""
    from billing.models import Lot

    return Lot.Source(code).label if code in Lot.Source.values else code
