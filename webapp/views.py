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
        "comparison": [*comparison(tiers), *video_sizes(tiers)],
        "daily_points": settings.DAILY_POINTS,
        "plan": entitlements(request.user),
        **offers_context(request),
    }
    return render(request, "pages/pricing.html", context)


def video_sizes(tiers) -> list[tuple[str, list[str]]]:
    """One row per quality mode: the 16:9 video each plan really gets from this site's model
    (its output size and frame rate, after upscaling and re-timing), or a dash where the plan
    does not include that mode or that size (free first). The rule is submit's own."""
    from generation import services
    from generation.engine.specs import get_spec

    spec = get_spec(settings.GENERATION_MODEL)
    plans = [FREE, *(of_tier(tier) for tier in tiers)]
    rows = []
    for mode, label in (
        ("standard", _("Standard mode video (16:9)")),
        ("professional", _("Professional mode video (16:9)")),
    ):
        width, height, fps = services.video_output(spec, mode)
        shown = _("%(width)d×%(height)d · %(fps)d fps") % {
            "width": width,
            "height": height,
            "fps": fps,
        }
        cells = [shown if services.plan_has_mode(plan, spec, mode) else "—" for plan in plans]
        rows.append((label, cells))
    return rows


@never_cache
def health(request):
    """For load balancers: the process is up and its database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})
