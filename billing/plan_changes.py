"""Changing or cancelling a membership, and saying beforehand exactly what happens to the points.

Rules: an upgrade (a higher tier) takes effect at once — the new tier's entitlements and its
monthly points now, the price difference for the rest of the period charged now. A downgrade or
a cancellation takes effect when the paid period ends. Monthly points already granted lapse at
the end of their month as always; top-up points are never touched by a plan change.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from billing import fulfilment, ledger, sandbox
from billing import stripe_gateway as gateway
from billing.models import Lot, Plan, Provider, Subscription
from billing.units import format_points
from billing.webhooks import subscription_state


@dataclass(frozen=True)
class ChangePreview:
    kind: str  # "upgrade", "downgrade", "term", "cancel"
    effective_at: datetime | None
    lines: list[str]  # what happens, in the user's words


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
    now = now or timezone.now()
    monthly, topup, monthly_ends = _points_by_source(sub.user, now)
    end = sub.current_period_end
    date = end.strftime("%Y-%m-%d") if end else ""
    kept = _("Your %(points)s top-up points stay yours until they expire.") % {
        "points": format_points(topup)
    }
    current_monthly = (
        _("Your %(points)s remaining monthly points stay usable until %(date)s.")
        % {
            "points": format_points(monthly),
            "date": monthly_ends.strftime("%Y-%m-%d") if monthly_ends else date,
        }
        if monthly
        else ""
    )
    if plan is None:
        kind, effective = "cancel", end
        lines = [
            _("Your %(tier)s membership stays active until %(date)s, then ends; no more charges.")
            % {"tier": sub.plan.tier.name, "date": date},
            current_monthly,
            _("No monthly points are granted after that."),
            kept,
        ]
    elif plan.tier.rank > sub.plan.tier.rank:
        kind, effective = "upgrade", now
        lines = [
            _("%(tier)s starts now, with all its benefits.") % {"tier": plan.tier.name},
            _("You get %(points)s %(tier)s points now, and every month after.")
            % {"points": format_points(plan.tier.monthly_points), "tier": plan.tier.name},
            current_monthly,
            _("The price difference for the rest of this period is charged now."),
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
                "old": sub.plan.tier.name,
                "date": date,
                "new": plan.tier.name,
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
    return ChangePreview(kind, effective, [line for line in lines if line])


def change_plan(sub: Subscription, plan: Plan) -> Subscription:
    """Apply a change the user confirmed. With Stripe, the subscription is updated there (an
    upgrade prorated and invoiced at once, only if the payment succeeds; anything else from the
    next renewal) and the answer applied locally right away; the webhook then finds it done."""
    if sub.provider == Provider.SANDBOX:
        return sandbox.change_plan(sub, plan)
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
