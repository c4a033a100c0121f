"""Every call to Stripe's API goes through here: one client, the pinned API version, and small
readers that turn Stripe's objects into the plain values billing/fulfilment.py works with.

Stripe objects are read as dicts in the shapes of settings.STRIPE_API_VERSION: a subscription's
period lives on its items, an invoice's subscription under `parent.subscription_details`, an
invoice's payment intents under `payments`.
"""

from datetime import UTC, datetime

import stripe
from django.conf import settings

# Errors after which the same request may well succeed: the webhook answers 5xx so Stripe retries.
TRANSIENT_ERRORS = (
    stripe.APIConnectionError,
    stripe.RateLimitError,
    stripe.APIError,
    stripe.AuthenticationError,
)


class NotFound(Exception):
    """Stripe answered 404: no such object (an event about something that does not exist)."""


def stripe_enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def client() -> stripe.StripeClient:
    base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        stripe_version=settings.STRIPE_API_VERSION,
        base_addresses=base,
        max_network_retries=2,  # retried with the same idempotency key
    )


def plain(obj) -> dict:
    """A Stripe object as a plain dict (nested objects too)."""
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def moment(timestamp: int | None) -> datetime | None:
    return datetime.fromtimestamp(timestamp, tz=UTC) if timestamp else None


def object_id(value) -> str:
    """An expandable field: either an id or the expanded object."""
    if isinstance(value, dict):
        return value.get("id", "")
    return value or ""


# --- fetching (webhooks never trust the payload: they read the object again) ------------------


def _fetch(retrieve, *args):
    try:
        return plain(retrieve(*args))
    except stripe.InvalidRequestError as error:
        if error.http_status == 404:
            raise NotFound(str(error)) from error
        raise


def fetch_checkout_session(session_id: str) -> dict:
    return _fetch(client().v1.checkout.sessions.retrieve, session_id)


def fetch_subscription(subscription_id: str) -> dict:
    return _fetch(client().v1.subscriptions.retrieve, subscription_id)


def upgrade_price(subscription_id: str, price_id: str, at: datetime) -> int:
    """What Stripe will charge at once for moving the subscription to `price_id` prorated from
    `at`: the proration lines of a preview of that very invoice (the same parameters the change
    sends), so the page can state it before the user confirms."""
    current = fetch_subscription(subscription_id)
    preview = plain(
        client().v1.invoices.create_preview(
            {
                "subscription": subscription_id,
                "subscription_details": {
                    "items": [{"id": current["items"]["data"][0]["id"], "price": price_id}],
                    "proration_behavior": "always_invoice",
                    "proration_date": int(at.timestamp()),
                },
            }
        )
    )
    lines = (preview.get("lines") or {}).get("data") or []
    prorations = [line["amount"] for line in lines if _is_proration(line)]
    return max(0, sum(prorations)) if prorations else preview.get("amount_due", 0)


def _is_proration(line: dict) -> bool:
    parent = line.get("parent") or {}
    details = parent.get("subscription_item_details") or parent.get("invoice_item_details") or {}
    return bool(details.get("proration") or line.get("proration"))


def fetch_invoice(invoice_id: str) -> dict:
    return _fetch(client().v1.invoices.retrieve, invoice_id, {"expand": ["payments"]})


def fetch_charge(charge_id: str) -> dict:
    return _fetch(client().v1.charges.retrieve, charge_id)


# --- reading ------------------------------------------------------------------------------------


def subscription_price_id(subscription: dict) -> str:
    items = subscription.get("items", {}).get("data", [])
    return items[0]["price"]["id"] if items else ""


def subscription_period(subscription: dict) -> tuple[datetime | None, datetime | None]:
    items = subscription.get("items", {}).get("data", [])
    if not items:
        return None, None
    return moment(items[0].get("current_period_start")), moment(items[0].get("current_period_end"))


def invoice_subscription_id(invoice: dict) -> str:
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return object_id(details.get("subscription"))


def invoice_period(invoice: dict) -> tuple[datetime, datetime]:
    """The service period the invoice paid for: its subscription lines' periods (the invoice's
    own period_start/end is the previous period for renewals)."""
    lines = invoice.get("lines", {}).get("data", [])
    periods = [line["period"] for line in lines if line.get("period")]
    if not periods:
        return moment(invoice["period_start"]), moment(invoice["period_end"])
    return moment(min(p["start"] for p in periods)), moment(max(p["end"] for p in periods))


def invoice_price_id(invoice: dict) -> str:
    """The price of the invoice's last positive line (after a plan change, the new plan)."""
    price_ids = [
        ((line.get("pricing") or {}).get("price_details") or {}).get("price", "")
        for line in invoice.get("lines", {}).get("data", [])
        if line.get("amount", 0) >= 0
    ]
    return object_id(price_ids[-1]) if price_ids else ""


def invoice_payment_intent_id(invoice: dict) -> str:
    for payment in (invoice.get("payments") or {}).get("data", []):
        intent = object_id((payment.get("payment") or {}).get("payment_intent"))
        if intent:
            return intent
    return ""
