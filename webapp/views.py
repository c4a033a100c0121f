from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from billing.entitlements import FREE, comparison, entitlements, of_tier
from billing.models import Tier
from billing.payment_views import offers_context
from billing.pricing import price_rows
from webapp.sharing import feed


def home(request):
    # The showcase: what is trending among public works (logged-out visitors see it too).
    shares, _next = feed.page("trending", size=8)
    return render(request, "pages/home.html", {"showcase": shares})


def pricing(request):
    tiers = list(Tier.objects.all())
    context = {
        "prices": price_rows(),
        "tiers": tiers,
        "comparison": [*comparison(tiers), (_("Video size (16:9)"), video_sizes(tiers))],
        "daily_points": settings.DAILY_POINTS,
        "plan": entitlements(request.user),
        **offers_context(request),
    }
    return render(request, "pages/pricing.html", context)


def video_sizes(tiers) -> list[str]:
    """The largest 16:9 video each plan really gets from this site's model: the professional
    size where the plan has professional mode, else the standard one (free first)."""
    from generation.engine.specs import get_spec

    spec = get_spec(settings.GENERATION_MODEL)
    sizes = []
    for plan in [FREE, *(of_tier(tier) for tier in tiers)]:
        mode = "professional" if plan.professional_mode else "standard"
        width, height = spec.size_for("16:9", mode)
        sizes.append(f"{width}×{height}")
    return sizes


@never_cache
def health(request):
    """For load balancers: the process is up and its database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})
