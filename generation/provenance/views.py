"""The public check page: upload a video or picture, learn whether it was made here."""

from django import forms
from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from generation.provenance import check as checking
from webapp.ratelimit import client_ip


class CheckForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Video or picture"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.CHECK_MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("That file is larger than %(mb)d MB.") % {"mb": settings.CHECK_MAX_UPLOAD_MB}
            )
        return upload


@require_http_methods(["GET", "POST"])
def check(request):
    """No login. Rate limited per IP; the body is refused unread when it is too large."""
    finding, refusal, status, form = None, None, 200, CheckForm()
    if request.method == "POST":
        limit = settings.CHECK_MAX_UPLOAD_MB * 1024 * 1024 + 64 * 1024  # + the form's fields
        length = request.META.get("CONTENT_LENGTH") or "0"
        too_large = not length.isdigit() or int(length) > limit
        if not checking.allow_check(client_ip(request)):
            refusal, status = _("Too many checks from your address. Try again in an hour."), 429
        elif too_large:
            refusal = _("That file is larger than %(mb)d MB.") % {
                "mb": settings.CHECK_MAX_UPLOAD_MB
            }
            status = 413
        else:
            form = CheckForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                try:
                    finding = checking.examine(upload)
                except checking.Unreadable as exc:
                    form.add_error("file", str(exc))
                finally:
                    upload.close()  # a temporary file is deleted now, not at the end
            if form.errors:
                status = 400
    return render(
        request,
        "generation/check.html",
        {
            "form": form,
            "finding": finding,
            "refusal": refusal,
            "max_mb": settings.CHECK_MAX_UPLOAD_MB,
        },
        status=status,
    )
