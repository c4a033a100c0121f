"""The "API tokens" page of the account area: make a token (shown once) and revoke one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from webapp.api import tokens
from webapp.api.forms import TokenForm
from webapp.api.models import AccessToken

# Live tokens one account may hold; revoke one to make another.
MAX_LIVE_TOKENS = 25


def _get_token_for_user(request, token_id) -> AccessToken:
    """The one answer to "may this user touch this token": only its owner."""
    return get_object_or_404(AccessToken, pk=token_id, user=request.user)


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request):
    form = TokenForm(request.POST or None)
    created = None
    live = AccessToken.objects.filter(user=request.user, revoked_at=None).count()
    if request.method == "POST" and form.is_valid():
        if live >= MAX_LIVE_TOKENS:
            form.add_error(
                None, _("You have %(n)d tokens; revoke one first.") % {"n": MAX_LIVE_TOKENS}
            )
        else:
            token, raw = tokens.create_token(
                request.user,
                form.cleaned_data["name"],
                form.cleaned_data["scopes"],
                expires_at=form.expires_at(),
            )
            # Shown on this response only: the site keeps nothing it could show again.
            created = {"token": token, "raw": raw}
            form = TokenForm()
    context = {
        "form": form,
        "created": created,
        "tokens": AccessToken.objects.filter(user=request.user),
    }
    response = render(request, "accounts/tokens.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request, token_id):
    token = _get_token_for_user(request, token_id)
    if tokens.revoke(token, request.user):
        messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("api_tokens:list")
