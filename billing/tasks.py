"""Periodic sweeps (celery beat, settings.CELERY_BEAT_SCHEDULE). The site also does both lazily,
so a missed run delays nothing a user can see."""

from celery import shared_task

from billing import ledger, memberships, sandbox


@shared_task
def expire_points():
    """Write off every lot past its expiry with an `expire` entry."""
    return ledger.expire_lots()


@shared_task
def grant_monthly_membership_points():
    """Grant this month's points of every current membership (idempotent)."""
    return memberships.grant_due_membership_points()


@shared_task
def renew_sandbox_subscriptions():
    """Renew (or end, if canceled) sandbox subscriptions whose period is over, as Stripe would."""
    return sandbox.renew_due()
