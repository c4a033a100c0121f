"""Buying, the checkout's outcome, the billing page, plan changes, the sandbox and the webhook.
Business rules live in checkout.py, fulfilment.py, plan_changes.py, sandbox.py, webhooks.py."""

import json
import logging

import stripe
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, transaction
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing import catalogue, plan_changes, sandbox, webhooks
from billing import checkout as checkouts
from billing import stripe_gateway as gateway
from billing.entitlements import entitlements
from billing.models import CheckoutSession, Pack, Payment, Plan, Provider, Subscription

logger = logging.getLogger(__name__)


def _checkout_of(user, pk) -> CheckoutSession:
    """The user's own checkout; anyone else's is a 404."""
    return get_object_or_404(
        CheckoutSession.objects.select_related("plan", "pack"), pk=pk, user=user
    )


def _subscription_of(user) -> Subscription:
    sub = checkouts.live_subscription(user)
    if sub is None:
        raise Http404("no membership")
    return sub


# --- buying -------------------------------------------------------------------------------------


def offers_context(request) -> dict:
    """The pricing page's plans (of the chosen term, with the saving) and packs."""
    terms = catalogue.offers_by_term()
    term = request.GET.get("term") or "monthly"
    offers = next((offers for period, _label, offers in terms if period == term), [])
    user = request.user
    signed_in = user.is_authenticated
    return {
        "terms": terms,
        "term": term,
        "offers": offers,
        "packs": catalogue.packs_for_sale(),
        "payments_open": checkouts.provider() is not None,
        "subscription": checkouts.live_subscription(user) if signed_in else None,
        "first_term": not signed_in or checkouts.first_term(user),
    }


@login_required
@require_POST
def buy_plan(request, plan_id):
    return _start(request, plan=get_object_or_404(Plan, pk=plan_id, active=True))


@login_required
@require_POST
def buy_pack(request, pack_id):
    return _start(request, pack=get_object_or_404(Pack, pk=pack_id, active=True))


def _start(request, **item):
    try:
        started = checkouts.start_checkout(request.user, **item)
    except checkouts.CheckoutRefused as refused:
        messages.error(request, str(refused))
        # A member is sent where their plan can be changed; anyone else back to the offers.
        if checkouts.live_subscription(request.user) is not None:
            return redirect("billing:billing")
        return redirect("pricing")
    return redirect(started.url)


@login_required
def checkout_status(request, pk):
    """Where Stripe (or the sandbox) sends the buyer back: the real state of the purchase."""
    checkout = _checkout_of(request.user, pk)
    if checkout.provider == Provider.STRIPE and not checkout.fulfilled_at:
        _pull_from_stripe(checkout)
        checkout.refresh_from_db()
    # A plan paid while another membership was live: ended and refunded, not started.
    duplicate = (
        bool(checkout.subscription_id)
        and Subscription.objects.filter(
            subscription_id=checkout.subscription_id, duplicate_of__isnull=False
        ).exists()
    )
    return render(
        request,
        "billing/checkout_status.html",
        {
            "checkout": checkout,
            "canceled": "canceled" in request.GET,
            "duplicate": duplicate,
            "plan": entitlements(request.user),
        },
    )


def _pull_from_stripe(checkout: CheckoutSession) -> None:
    """Ask Stripe now rather than wait for the webhook: the same handler, idempotent, so the
    webhook arriving later (or at the same moment) changes nothing."""
    try:
        with transaction.atomic():
            webhooks.on_checkout_completed(checkout.session_id)
    except (webhooks.Ignored, gateway.NotFound):
        pass
    except (*gateway.TRANSIENT_ERRORS, DatabaseError):
        logger.warning("could not read checkout %s from Stripe", checkout.session_id, exc_info=True)


# --- the sandbox ---------------------------------------------------------------------------------


@login_required
def sandbox_checkout(request, session_id):
    """The local "test payment" page; only when the sandbox is the provider."""
    if not settings.PAYMENTS_SANDBOX:
        raise Http404("the sandbox is off")
    checkout = get_object_or_404(
        CheckoutSession, session_id=session_id, user=request.user, provider=Provider.SANDBOX
    )
    if request.method == "POST":
        if "cancel" in request.POST:
            return redirect(reverse("billing:checkout_status", args=[checkout.pk]) + "?canceled=1")
        sandbox.pay(checkout)
        return redirect("billing:checkout_status", checkout.pk)
    return render(request, "billing/sandbox_checkout.html", {"checkout": checkout})


# --- the billing page and plan changes -----------------------------------------------------------


@login_required
def billing(request):
    sub = checkouts.live_subscription(request.user)
    other_plans = []
    if sub is not None:
        other_plans = Plan.objects.filter(active=True, period=sub.plan.period).exclude(
            pk=sub.plan_id
        )
    return render(
        request,
        "billing/billing.html",
        {
            "sub": sub,
            "plan": entitlements(request.user),
            "other_plans": other_plans.select_related("tier") if sub else [],
            "payments": Payment.objects.filter(user=request.user)[:50],
            "stripe": gateway.stripe_enabled(),
        },
    )


@login_required
def change_plan(request, plan_id):
    sub = _subscription_of(request.user)
    plan = get_object_or_404(Plan.objects.select_related("tier"), pk=plan_id, active=True)
    if request.method == "POST":
        try:
            quoted_at = plan_changes.quoted_moment(request.POST.get("quote"), sub, plan)
        except plan_changes.QuoteExpired:
            # Never charge an amount the user did not read: show the price again.
            messages.error(
                request, _("The price shown was out of date. Please check it and confirm again.")
            )
            return redirect("billing:change_plan", plan.pk)
        done = plan_changes.preview(sub, plan, quoted_at)
        plan_changes.change_plan(sub, plan, quoted_at)
        messages.success(request, str(done.lines[0]))
        return redirect("billing:billing")
    return render(
        request,
        "billing/confirm_change.html",
        {"sub": sub, "target": plan, "preview": plan_changes.preview(sub, plan)},
    )


@login_required
def cancel_membership(request):
    sub = _subscription_of(request.user)
    if request.method == "POST":
        preview = plan_changes.preview(sub, None)
        plan_changes.cancel(sub)
        messages.success(request, str(preview.lines[0]))
        return redirect("billing:billing")
    return render(
        request,
        "billing/confirm_change.html",
        {"sub": sub, "target": None, "preview": plan_changes.preview(sub, None)},
    )


@login_required
@require_POST
def portal(request):
    """Stripe's Customer Portal: card changes, invoices, plan changes, cancel."""
    if not gateway.stripe_enabled():
        raise Http404("no Stripe")
    return redirect(
        checkouts.portal_url(request.user, request.build_absolute_uri(reverse("billing:billing")))
    )


# --- Stripe's webhook ----------------------------------------------------------------------------


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Verify the signature, then apply the event once. 400 for anything not signed by Stripe
    within the tolerance or not shaped like an event; 503 on a transient failure so Stripe
    delivers it again."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    header = request.headers.get("Stripe-Signature", "")
    if not secret:
        logger.warning("stripe webhook refused: STRIPE_WEBHOOK_SECRET is not set")
        return HttpResponseBadRequest("webhooks are not configured")
    try:
        stripe.WebhookSignature.verify_header(
            request.body, header, secret, tolerance=settings.STRIPE_WEBHOOK_TOLERANCE
        )
    except stripe.SignatureVerificationError as error:
        logger.warning("stripe webhook refused: %s", error)
        return HttpResponseBadRequest("bad signature")
    try:
        event = json.loads(request.body)
    except ValueError:
        logger.warning("stripe webhook refused: the body is not JSON")
        return HttpResponseBadRequest("bad payload")
    # Signed, yet not an event: answered 400 so that it is not retried for days, never 500.
    problem = webhooks.malformed(event)
    if problem:
        logger.warning("stripe webhook refused: malformed event (%s)", problem)
        return HttpResponseBadRequest("malformed event")
    try:
        outcome = webhooks.process_event(event)
    except (*gateway.TRANSIENT_ERRORS, DatabaseError):
        logger.exception("stripe event %s failed; Stripe will retry", event.get("id"))
        return HttpResponse("temporary failure", status=503)
    return HttpResponse(outcome)
