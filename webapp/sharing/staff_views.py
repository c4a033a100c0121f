"""Staff decisions on shared works: the works reports hid or reported, staff picks, and each
decision (restore, unpublish, feature, ban) with a reason, audited by services.py."""

from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from webapp.sharing import services
from webapp.sharing.models import Report, Share
from webapp.staff import services as staff_services
from webapp.staff.forms import ReasonForm
from webapp.staff.models import AuditEntry
from webapp.staff.permissions import staff_only


@staff_only("staff.moderate_content")
def reported(request):
    """Hidden works first, then works with reports, then staff picks."""
    shares = list(
        Share.objects.filter(
            Q(report_count__gt=0) | Q(hidden_at__isnull=False) | Q(featured_at__isnull=False)
        )
        .exclude(visibility=Share.Visibility.PRIVATE)
        .select_related("job", "user")
        .prefetch_related(Prefetch("reports", Report.objects.select_related("reporter")))
        .order_by("hidden_at", "-report_count", "-featured_at")[:100]
    )
    entries = AuditEntry.objects.filter(
        target_type=ContentType.objects.get_for_model(Share),
        target_id__in=[str(s.pk) for s in shares],
    ).select_related("staff")
    history = {}
    for entry in entries:
        history.setdefault(int(entry.target_id), []).append(entry)
    for share in shares:
        share.history = history.get(share.pk, [])
    context = {
        **admin.site.each_context(request),
        "title": _("Shared works: reports and picks"),
        "shares": shares,
        "reason_form": ReasonForm(),
    }
    return TemplateResponse(request, "sharing/staff_reported.html", context)


DECISIONS = {
    "restore": lambda share, staff, reason: services.restore(share, staff, reason),
    "unpublish": lambda share, staff, reason: services.take_down(share, staff, reason),
    "feature": lambda share, staff, reason: services.feature(share, staff, reason),
    "unfeature": lambda share, staff, reason: services.feature(share, staff, reason, on=False),
}


@require_POST
@staff_only("staff.moderate_content")
def decide(request, share_id, decision):
    share = get_object_or_404(Share.objects.select_related("user"), pk=share_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A reason is required."))
        return redirect("sharing:staff_reported")
    reason = form.cleaned_data["reason"]
    try:
        if decision == "ban":
            # Unpublish, then suspend the creator (the staff user page's suspension).
            if not request.user.has_perm("staff.manage_users"):
                messages.error(request, _("You may not suspend users."))
                return redirect("sharing:staff_reported")
            services.take_down(share, request.user, reason)
            staff_services.suspend_user(share.user, request.user, reason)
        elif decision in DECISIONS:
            DECISIONS[decision](share, request.user, reason)
        else:
            return redirect("sharing:staff_reported")
    except (services.SharingRefused, staff_services.StaffActionError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Done."))
    return redirect("sharing:staff_reported")
