from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from billing.entitlements import comparison, entitlements
from billing.models import Tier
from billing.payment_views import offers_context
from billing.pricing import price_rows


def home(request):
    return render(request, "pages/home.html")


def pricing(request):
    tiers = list(Tier.objects.all())
    context = {
        "prices": price_rows(),
        "tiers": tiers,
        "comparison": comparison(tiers),
        "daily_points": settings.DAILY_POINTS,
        "plan": entitlements(request.user),
        **offers_context(request),
    }
    return render(request, "pages/pricing.html", context)


@never_cache
def health(request):
    """For load balancers: the process is up and its database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})
