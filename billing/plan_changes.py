"""Changing or cancelling a membership, and saying beforehand exactly what happens to the points.

Rules: an upgrade (a higher tier) takes effect at once — the new tier's entitlements and its
monthly points now, the price difference for the rest of the period charged now. That amount is
quoted on the confirmation page and the quote's moment travels with the confirmation (signed), so
what is charged is prorated from the moment the user read, not from the click. A downgrade or
a cancellation takes effect when the paid period ends. Monthly points already granted lapse at
the end of their month as always; top-up points are never touched by a plan change.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import stripe
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import fulfilment, ledger, sandbox
from billing import stripe_gateway as gateway
from billing.models import Lot, Plan, Provider, Subscription
from billing.templatetags.points import money
from billing.units import format_points
from billing.webhooks import subscription_state

logger = logging.getLogger(__name__)
QUOTE_MAX_AGE = 15 * 60  # seconds a quoted upgrade price may be confirmed
_QUOTE_SALT = "billing.plan_change.quote"


@dataclass(frozen=True)
class ChangePreview:
    kind: str  # "upgrade", "downgrade", "term", "cancel"
    effective_at: datetime | None
    lines: list[str]  # what happens, in the user's words
    charge_now: int | None = 0  # an upgrade's charge in the smallest unit; None: unknown now
    currency: str = "cny"
    quote: str = ""  # signed moment of this preview; confirming an upgrade sends it back


class QuoteExpired(Exception):
    """The confirmation carries no valid quote for this change (too old, or for another plan)."""


def local_date(moment: datetime | None) -> str:
    """A day as the user reads it on every page: in the site's time zone, not UTC."""
    return timezone.localtime(moment).strftime("%Y-%m-%d") if moment else ""


def quoted_charge(sub: Subscription, plan: Plan, at: datetime) -> int | None:
    """An upgrade's charge at `at` as the provider will take it: computed here for the sandbox,
    previewed by Stripe for Stripe (None when Stripe cannot be asked now: nothing is confirmed
    without an amount)."""
    if plan.tier.rank <= sub.plan.tier.rank:
        return 0
    if sub.provider == Provider.SANDBOX:
        return sandbox.upgrade_charge(sub, plan, at)
    try:
        return gateway.upgrade_price(sub.subscription_id, plan.stripe_price_id, at)
    except (*gateway.TRANSIENT_ERRORS, gateway.NotFound, stripe.StripeError):
        logger.warning("no upgrade price from Stripe for %s", sub.subscription_id, exc_info=True)
        return None


def make_quote(sub: Subscription, plan: Plan, at: datetime) -> str:
    return signing.dumps(
        {"sub": sub.pk, "plan": plan.pk, "at": int(at.timestamp())}, salt=_QUOTE_SALT
    )


def quoted_moment(quote: str, sub: Subscription, plan: Plan) -> datetime:
    """The moment a confirmation's quote was shown; QuoteExpired if it is not this change's or
    is older than QUOTE_MAX_AGE."""
    try:
        data = signing.loads(quote or "", salt=_QUOTE_SALT, max_age=QUOTE_MAX_AGE)
    except signing.BadSignature:
        raise QuoteExpired from None
    if data.get("sub") != sub.pk or data.get("plan") != plan.pk:
        raise QuoteExpired
    return datetime.fromtimestamp(data["at"], tz=UTC)


def _points_by_source(user, now) -> tuple[int, int, datetime | None]:
    monthly = topup = 0
    monthly_ends = None
    for lot in ledger.live_lots(user, now):
        if lot.source == Lot.Source.MEMBERSHIP:
            monthly += lot.remaining
            monthly_ends = max(monthly_ends or lot.expires_at, lot.expires_at)
        elif lot.source == Lot.Source.TOPUP:
            topup += lot.remaining
    return monthly, topup, monthly_ends


def preview(sub: Subscription, plan: Plan | None, now: datetime | None = None) -> ChangePreview:
    """What changing `sub` to `plan` (None: cancelling) would do, before the user confirms."""
    now = (now or timezone.now()).replace(microsecond=0)
    monthly, topup, monthly_ends = _points_by_source(sub.user, now)
    end = sub.current_period_end
    date = local_date(end)
    charge = 0
    kept = (
        _("Your %(points)s top-up points stay yours until they expire.")
        % {"points": format_points(topup)}
        if topup
        else ""
    )
    current_monthly = (
        _("Your %(points)s remaining monthly points stay usable until %(date)s.")
        % {
            "points": format_points(monthly),
            "date": local_date(monthly_ends) if monthly_ends else date,
        }
        if monthly
        else ""
    )
    if plan is None:
        kind, effective = "cancel", end
        lines = [
            _("Your %(tier)s membership stays active until %(date)s, then ends; no more charges.")
            % {"tier": sub.plan.tier.display_name, "date": date},
            current_monthly,
            _("No monthly points are granted after that."),
            kept,
        ]
    elif plan.tier.rank > sub.plan.tier.rank:
        kind, effective = "upgrade", now
        charge = quoted_charge(sub, plan, now)
        lines = [
            _("%(tier)s starts now, with all its benefits.") % {"tier": plan.tier.display_name},
            _("You get %(points)s %(tier)s points now, and every month after.")
            % {"points": format_points(plan.tier.monthly_points), "tier": plan.tier.display_name},
            current_monthly,
            _(
                "%(amount)s is charged now: the price difference for the rest of this period, "
                "until %(date)s. From then on, %(price)s each term."
            )
            % {
                "amount": money(charge, plan.currency),
                "date": date,
                "price": money(plan.price, plan.currency),
            }
            if charge is not None
            else _("The price of the change could not be fetched just now. Please try again."),
            kept,
        ]
    elif plan.tier.rank < sub.plan.tier.rank:
        kind, effective = "downgrade", end
        lines = [
            _(
                "You keep %(old)s until %(date)s; "
                "then %(new)s starts with %(points)s points a month."
            )
            % {
                "old": sub.plan.tier.display_name,
                "date": date,
                "new": plan.tier.display_name,
                "points": format_points(plan.tier.monthly_points),
            },
            current_monthly,
            kept,
        ]
    else:
        kind, effective = "term", end
        lines = [
            _("Your plan renews as %(plan)s from %(date)s.") % {"plan": plan, "date": date},
            kept,
        ]
    return ChangePreview(
        kind,
        effective,
        [line for line in lines if line],
        charge_now=charge,
        currency=(plan or sub.plan).currency,
        # No quote, so no confirming, for an upgrade whose amount is unknown.
        quote=make_quote(sub, plan, now) if plan is not None and charge is not None else "",
    )


def change_plan(sub: Subscription, plan: Plan, quoted_at: datetime | None = None) -> Subscription:
    """Apply a change the user confirmed; an upgrade is prorated from `quoted_at`, the moment
    its price was shown. With Stripe, the subscription is updated there (an upgrade prorated and
    invoiced at once, only if the payment succeeds; anything else from the next renewal) and the
    answer applied locally right away; the webhook then finds it done."""
    if sub.provider == Provider.SANDBOX:
        return sandbox.change_plan(sub, plan, prorate_from=quoted_at)
    client = gateway.client().v1
    current = gateway.fetch_subscription(sub.subscription_id)
    upgrade = plan.tier.rank > sub.plan.tier.rank
    params = {
        "items": [{"id": current["items"]["data"][0]["id"], "price": plan.stripe_price_id}],
        "cancel_at_period_end": False,
        "proration_behavior": "always_invoice" if upgrade else "none",
    }
    if upgrade:
        params["payment_behavior"] = "pending_if_incomplete"
        if quoted_at is not None:
            params["proration_date"] = int(quoted_at.timestamp())
    updated = client.subscriptions.update(sub.subscription_id, params)
    return fulfilment.sync_subscription(subscription_state(gateway.plain(updated)))


def cancel(sub: Subscription) -> Subscription:
    """Cancel at the end of the paid period."""
    if sub.provider == Provider.SANDBOX:
        return sandbox.cancel(sub)
    updated = gateway.client().v1.subscriptions.update(
        sub.subscription_id, {"cancel_at_period_end": True}
    )
    return fulfilment.sync_subscription(subscription_state(gateway.plain(updated)))
