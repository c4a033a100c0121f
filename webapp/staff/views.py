"""Staff pages outside the stock admin: the dashboard, a user's page with its actions, the
review decisions, and the files of flagged jobs. Each view is `staff_only(<permission>)`."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing import ledger
from generation.models import Job, input_content_type
from generation.moderation import review
from generation.moderation.models import Flag
from generation.private_files import private_file
from webapp.accounts import closing
from webapp.staff import audit, dashboard, services
from webapp.staff.forms import DeleteUserForm, PointsForm, ReasonForm
from webapp.staff.models import AuditEntry
from webapp.staff.permissions import staff_only
from webapp.staff.user_page import user_page_context


def _admin_context(request, title):
    return {**admin.site.each_context(request), "title": title}


@staff_only("staff.view_dashboard")
def dashboard_view(request):
    context = {**_admin_context(request, _("Dashboard")), **dashboard.figures()}
    return TemplateResponse(request, "staff/dashboard.html", context)


def _user(user_id):
    return get_object_or_404(get_user_model(), pk=user_id)


@staff_only("accounts.view_user")
def user_view(request, user_id):
    user = _user(user_id)
    context = {
        **_admin_context(request, _("User %(email)s") % {"email": user.email}),
        **user_page_context(user),
        "reason_form": ReasonForm(),
        "points_form": PointsForm(),
        "delete_form": DeleteUserForm(subject=user, auto_id="id_delete_%s"),
        "can_adjust": request.user.has_perm("staff.adjust_points"),
        "can_suspend": request.user.has_perm("staff.manage_users"),
    }
    return TemplateResponse(request, "staff/user.html", context)


@require_POST
@staff_only("staff.manage_users")
def suspend_view(request, user_id):
    user = _user(user_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for the suspension."))
        return redirect("staff:user", user.pk)
    try:
        canceled = services.suspend_user(user, request.user, form.cleaned_data["reason"])
    except services.StaffActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(email)s is suspended; %(n)d job(s) canceled and refunded.")
            % {"email": user.email, "n": len(canceled)},
        )
    return redirect("staff:user", user.pk)


@require_POST
@staff_only("staff.manage_users")
def unsuspend_view(request, user_id):
    user = _user(user_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for lifting the suspension."))
    elif services.unsuspend_user(user, request.user, form.cleaned_data["reason"]):
        messages.success(request, _("%(email)s can log in again.") % {"email": user.email})
    return redirect("staff:user", user.pk)


@require_POST
@staff_only("staff.adjust_points")
def points_view(request, user_id):
    user = _user(user_id)
    form = PointsForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("staff:user", user.pk)
    data = form.cleaned_data
    action = (
        services.grant_points
        if data["direction"] == PointsForm.GRANT
        else services.claw_back_points
    )
    try:
        action(user, data["amount"], request.user, data["reason"])
    except (services.StaffActionError, ledger.LedgerError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The balance was adjusted."))
    return redirect("staff:user", user.pk)


@require_POST
@staff_only("staff.manage_users")
def delete_user_view(request, user_id):
    """Delete the account as its owner could (webapp/accounts/closing.py), audited."""
    user = _user(user_id)
    form = DeleteUserForm(request.POST, subject=user)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("staff:user", user.pk)
    email = user.email
    try:
        removed = closing.delete_account(
            user, staff=request.user, reason=form.cleaned_data["reason"]
        )
    except closing.DeletionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("The account %(email)s was deleted with %(n)d job(s).")
            % {"email": email, "n": removed.get("jobs", 0)},
        )
    return redirect("staff:user", user.pk)


# --- review decisions ---------------------------------------------------------------------------


def _back_to_queue(request):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("admin:moderation_flag_changelist")


def _record_decision(staff, action, flag, reason):
    audit.record(
        staff,
        action,
        flag,
        reason,
        subject_user=flag.user,
        job=flag.job_id,
        kind=flag.kind,
        rule=flag.rule,
        score=flag.score,
    )


@require_POST
@staff_only("staff.moderate_content")
def approve_view(request, flag_id):
    note = request.POST.get("note", "").strip()
    with transaction.atomic():
        flag = get_object_or_404(Flag.objects.select_for_update(), pk=flag_id)
        if not flag.user.is_active:
            # An approval would run or publish work for someone who may not use the site.
            messages.error(
                request,
                _("%(email)s is suspended: reject, or lift the suspension first.")
                % {"email": flag.user.email},
            )
        elif review.approve(flag, request.user, note):
            _record_decision(request.user, AuditEntry.Action.APPROVE, flag, note)
            messages.success(request, _("Approved: %(flag)s") % {"flag": flag})
        else:
            messages.warning(request, _("This item was already decided."))
    return _back_to_queue(request)


@require_POST
@staff_only("staff.moderate_content")
def reject_view(request, flag_id):
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A rejection needs a reason; the user is told it."))
        return _back_to_queue(request)
    reason = form.cleaned_data["reason"]
    with transaction.atomic():
        flag = get_object_or_404(Flag.objects.select_for_update(), pk=flag_id)
        if review.reject(flag, request.user, reason):
            _record_decision(request.user, AuditEntry.Action.REJECT, flag, reason)
            messages.success(request, _("Rejected: %(flag)s") % {"flag": flag})
        else:
            messages.warning(request, _("This item was already decided."))
    return _back_to_queue(request)


# --- files of any user's job, for reviewers -----------------------------------------------------


@staff_only("moderation.view_flag")
def job_file_view(request, job_id, what):
    """Any job's file, whoever owns it: one of its assets (by id) or one of the inputs it was
    made from, by the names Job.inputs gives them ("start", or "input" as the queue's first
    links named it; "end", "second", "ref1" to "ref4", "clip")."""
    job = get_object_or_404(Job.objects.prefetch_related("references"), pk=job_id)
    if what.isdigit():
        asset = job.assets.filter(pk=int(what)).first()
        if asset is None:
            raise Http404
        stored, content_type = asset.file, asset.content_type
    else:
        what = "start" if what == "input" else what
        stored, content_type = job.input_file(what), input_content_type(what)
    if not stored:
        raise Http404
    response = private_file(stored, content_type)
    patch_cache_control(response, no_store=True)
    return response
