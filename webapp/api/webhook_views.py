"""The "Webhooks" page of the account area: endpoints, their secrets, a test event, and the
delivery log."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from webapp.api import webhooks
from webapp.api.models import WebhookDelivery, WebhookEndpoint

MAX_ENDPOINTS = 10


class EndpointForm(forms.Form):
    url = forms.URLField(label=gettext_lazy("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=WebhookEndpoint.Event.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=WebhookEndpoint.Event.values,
    )


def _get_endpoint_for_user(request, endpoint_id) -> WebhookEndpoint:
    """The one answer to "may this user touch this endpoint": only its owner."""
    return get_object_or_404(WebhookEndpoint, pk=endpoint_id, user=request.user)


@login_required
@require_http_methods(["GET", "POST"])
def webhook_list(request):
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if WebhookEndpoint.objects.filter(user=request.user).count() >= MAX_ENDPOINTS:
            form.add_error(None, _("You have %(n)d endpoints; delete one first.") % {"n": 10})
        else:
            try:
                webhooks.create_endpoint(
                    request.user, form.cleaned_data["url"], form.cleaned_data["events"]
                )
            except webhooks.UnsafeURL as exc:
                form.add_error("url", str(exc))
            else:
                messages.success(request, _("Endpoint added."))
                return redirect("api_webhooks:list")
    context = {
        "form": form,
        "endpoints": WebhookEndpoint.objects.filter(user=request.user),
        "deliveries": WebhookDelivery.objects.filter(endpoint__user=request.user)
        .select_related("endpoint", "event")
        .order_by("-created_at", "-id")[:50],
    }
    return render(request, "accounts/webhooks.html", context)


@login_required
@require_POST
def webhook_delete(request, endpoint_id):
    _get_endpoint_for_user(request, endpoint_id).delete()
    messages.success(request, _("Endpoint deleted."))
    return redirect("api_webhooks:list")


@login_required
@require_POST
def webhook_test(request, endpoint_id):
    webhooks.send_test_event(_get_endpoint_for_user(request, endpoint_id))
    messages.success(request, _("Test event sent; see the delivery log below."))
    return redirect("api_webhooks:list")
