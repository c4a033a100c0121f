from django import template
from django.conf import settings
from django.urls import reverse

from webapp.sharing.models import Share

register = template.Library()


@register.inclusion_tag("sharing/_share_panel.html", takes_context=True)
def share_panel(context, job):
    """The owner's share controls on their job page: publish, the link, undo."""
    share = Share.objects.filter(job=job).first()
    remix = getattr(job, "remix", None)
    source = remix.source if remix is not None else None
    return {
        "csrf_token": context.get("csrf_token"),
        "job": job,
        "share": share,
        "share_url": settings.SITE_URL.rstrip("/") + reverse("sharing:page", args=[share.token])
        if share
        else "",
        "remix_source": source
        if source and source.visibility != Share.Visibility.PRIVATE
        else None,
    }
