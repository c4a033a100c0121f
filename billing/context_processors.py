from billing import ledger
from billing.units import format_points


def points(request):
    """`nav_points`: the signed-in user's balance for the navigation, read only if shown."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_points": lambda: format_points(ledger.balance(user))}
