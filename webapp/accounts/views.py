"""The "Your data" page: download a copy of everything, or delete the account."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from billing.checkout import live_subscription
from billing.ledger import balance
from billing.units import format_points
from webapp.accounts import closing, export
from webapp.accounts.forms import DeleteAccountForm
from webapp.accounts.models import DataExport
from webapp.ratelimit import count_in_window

# Password guesses on the deletion form, per account: the same pace as a login.
DELETE_ATTEMPTS = (5, 300)


@login_required
@require_http_methods(["GET", "POST"])
def your_data(request):
    if request.method == "POST":
        made, created = export.request_export(request.user)
        if created:
            messages.success(
                request,
                _("We are preparing a copy of your data and will e-mail %(email)s a link.")
                % {"email": request.user.email},
            )
        else:
            messages.info(request, _("Your copy is still being prepared."))
        return redirect("accounts:data")
    latest = DataExport.objects.filter(user=request.user).first()
    if latest is not None and latest.expires_at and latest.expires_at <= timezone.now():
        latest = None
    return render(request, "accounts/your_data.html", {"latest": latest})


@login_required
def export_download(request, token):
    """The export's ZIP for its owner only (the e-mailed link asks them to log in)."""
    made = DataExport.objects.filter(
        token=token, user=request.user, status=DataExport.Status.READY
    ).first()
    if made is None or not made.file or made.expires_at <= timezone.now():
        raise Http404(_("This download has expired or does not exist."))
    if settings.S3_BUCKET:
        response = redirect(default_storage.url(made.file.name))
    else:
        try:
            handle = made.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        filename = f"{settings.SITE_NAME}-data-{made.created_at:%Y%m%d}.zip".replace(" ", "-")
        response = FileResponse(
            handle, content_type="application/zip", as_attachment=True, filename=filename
        )
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    user = request.user
    form = DeleteAccountForm(request.POST or None, user=user)
    refused, status = None, 200
    if request.method == "POST":
        count, period = DELETE_ATTEMPTS
        used, _window = count_in_window(f"delete-account:{user.pk}", period, time.time())
        if used > count:
            refused = _("Too many attempts. Please wait a few minutes and try again.")
            status = 429
        elif form.is_valid():
            try:
                closing.delete_account(user)
            except closing.DeletionRefused as error:
                refused = str(error)
            else:
                logout(request)
                messages.success(request, _("Your account and everything in it were deleted."))
                return redirect("home")
    context = {
        "form": form,
        "refused": refused,
        "subscription": live_subscription(user),
        "points": format_points(balance(user)),
        "works": user.jobs.filter(deleted_at=None).count(),
    }
    return render(request, "accounts/delete.html", context, status=status)
