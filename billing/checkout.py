"""Starting a purchase: the checkout is recorded here first, then the buyer is sent to Stripe's
Checkout (or, with no Stripe keys, to the local sandbox page). Nothing is granted here; the
points come with the payment (billing/fulfilment.py)."""

import logging
import uuid

import stripe
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import fulfilment
from billing import stripe_gateway as gateway
from billing.models import CheckoutSession, Customer, Pack, Plan, Provider, Subscription
from billing.payment_models import LIVE_SUBSCRIPTION_STATUSES as LIVE_STATUSES

logger = logging.getLogger(__name__)


class CheckoutRefused(Exception):
    """The purchase cannot start; the message says why, for the buyer."""


def provider() -> str | None:
    """Who takes payments on this site: Stripe, the sandbox, or nobody (None)."""
    if gateway.stripe_enabled():
        return Provider.STRIPE
    return Provider.SANDBOX if settings.PAYMENTS_SANDBOX else None


def live_subscription(user) -> Subscription | None:
    """The user's subscription that still renews or still gives access."""
    now = timezone.now()
    return (
        Subscription.objects.filter(user=user, status__in=LIVE_STATUSES)
        .exclude(current_period_end__lte=now, cancel_at_period_end=True)
        .select_related("plan__tier", "next_plan__tier", "membership")
        .order_by("-created_at")
        .first()
    )


def first_term(user) -> bool:
    """A user who never had a subscription gets the first-term discount."""
    return not Subscription.objects.filter(user=user).exists()


def start_checkout(user, *, plan: Plan | None = None, pack: Pack | None = None) -> CheckoutSession:
    """Record a checkout for one plan or pack and create it at the provider (Stripe with an
    idempotency key made from the local record, the user's id as client_reference_id).
    A plan checkout is refused while the user has a live membership (a plan change is the way),
    and it expires the user's other open plan checkouts (two tabs: only the latest can be paid).
    Returns the record; send the buyer to its `url`."""
    kind = provider()
    if kind is None:
        raise CheckoutRefused(_("Online payment is not set up on this site."))
    item = plan or pack
    with transaction.atomic():
        fulfilment.lock_user(user)  # two tabs starting at once: one after the other
        if plan is not None and live_subscription(user) is not None:
            raise CheckoutRefused(
                _("You already have a membership: change your plan on your billing page instead.")
            )
        older = []
        if plan is not None:
            older = list(
                CheckoutSession.objects.filter(
                    user=user, plan__isnull=False, status=CheckoutSession.Status.OPEN
                )
            )
            if kind == Provider.SANDBOX:
                for checkout in older:
                    fulfilment.expire_checkout(checkout)
        discount = plan is not None and first_term(user) and plan.first_period_percent_off > 0
        checkout = CheckoutSession.objects.create(
            user=user,
            provider=kind,
            plan=plan,
            pack=pack,
            idempotency_key=uuid.uuid4().hex,
            amount=plan.first_price() if discount else item.price,
            currency=item.currency,
        )
    if kind == Provider.SANDBOX:
        checkout.session_id = f"sbx_cs_{checkout.idempotency_key}"
        checkout.url = reverse("billing:sandbox_checkout", args=[checkout.session_id])
    else:
        for other in older:
            expire_at_stripe(other)
        session = _create_stripe_session(checkout, item, discount)
        checkout.session_id, checkout.url = session["id"], session["url"]
    checkout.save(update_fields=["session_id", "url"])
    return checkout


def expire_at_stripe(checkout: CheckoutSession) -> None:
    """Close an older plan checkout at Stripe so it can no longer be paid; one Stripe will not
    close (it was just paid) stays open here, and its completion arrives as usual."""
    if not checkout.session_id:
        fulfilment.expire_checkout(checkout)
        return
    try:
        gateway.client().v1.checkout.sessions.expire(checkout.session_id)
    except stripe.StripeError as error:
        logger.warning("could not expire checkout %s at Stripe: %s", checkout.session_id, error)
        return
    fulfilment.expire_checkout(checkout)


def _create_stripe_session(checkout: CheckoutSession, item, discount: bool) -> dict:
    if not item.stripe_price_id:
        raise CheckoutRefused(_("This item has no Stripe price yet (run seed_catalogue --stripe)."))
    user = checkout.user
    done = settings.SITE_URL + reverse("billing:checkout_status", args=[checkout.pk])
    metadata = {"user_id": str(user.pk), "checkout": str(checkout.pk), "item": str(item)}
    params = {
        "mode": "subscription" if checkout.plan else "payment",
        "customer": ensure_customer(user),
        "client_reference_id": str(user.pk),
        "line_items": [{"price": item.stripe_price_id, "quantity": 1}],
        "success_url": done,
        "cancel_url": f"{done}?canceled=1",
        "metadata": metadata,
    }
    if checkout.plan:
        params["subscription_data"] = {"metadata": metadata}
        if discount and checkout.plan.stripe_coupon_id:
            params["discounts"] = [{"coupon": checkout.plan.stripe_coupon_id}]
    else:
        params["payment_intent_data"] = {"metadata": metadata}
    session = gateway.client().v1.checkout.sessions.create(
        params, {"idempotency_key": f"checkout-{checkout.idempotency_key}"}
    )
    return gateway.plain(session)


def ensure_customer(user) -> str:
    """The user's one Stripe Customer id, created on first use."""
    existing = Customer.objects.filter(user=user).first()
    if existing is not None:
        return existing.stripe_id
    created = gateway.client().v1.customers.create(
        {"email": user.email, "metadata": {"user_id": str(user.pk)}},
        # Two first purchases at once still make one Customer.
        {"idempotency_key": f"customer-{user.pk}"},
    )
    customer, _created = Customer.objects.get_or_create(
        user=user, defaults={"stripe_id": created["id"]}
    )
    return customer.stripe_id


def portal_url(user, return_url: str) -> str:
    """Stripe's Customer Portal for the user: cards, invoices, plan changes, cancel."""
    session = gateway.client().v1.billing_portal.sessions.create(
        {"customer": ensure_customer(user), "return_url": return_url}
    )
    return session["url"]
