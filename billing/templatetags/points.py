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
