"""Deleting an account: by its owner (who confirms with their password) or by staff (audited).

What goes: every job with its prompts, uploaded photos, outputs and moderation flags; data
exports; API tokens, webhook endpoints and their events; e-mail addresses; the name; the
password. What stays, because accounting law keeps it:
the ledger, payments, subscriptions and the staff audit log. They keep pointing at the user row,
which stays as a pseudonym (`deleted-<id>@deleted.invalid`, no name, no usable password, never
active again), so the records are tied to no e-mail and the address can sign up afresh.

Order matters, and each step is safe to repeat if a later one fails:
1. The account is made inactive first, so no new job, checkout or login starts meanwhile.
2. Payments stop at the provider (open checkouts expired, the subscription ended now). If
   Stripe cannot be reached the deletion is refused and the account is active again.
3. In one transaction: open jobs end (their points return), works are erased, the remaining
   points are forfeited with `expire` entries (the wallet still balances), personal fields are
   cleared and, for staff, the audit row is written. Files are deleted once that commits.
"""

import logging

import stripe
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import closing as billing_closing
from generation import erasure
from webapp.accounts import export
from webapp.staff import audit
from webapp.staff.models import AuditEntry

log = logging.getLogger(__name__)

DELETED_DOMAIN = "deleted.invalid"  # RFC 2606: can never receive mail


class DeletionRefused(Exception):
    """Nothing was deleted; the message says why, for the person who asked."""


def pseudonym(user) -> str:
    return f"deleted-{user.pk}@{DELETED_DOMAIN}"


def is_deleted(user) -> bool:
    return user.deleted_at is not None


def delete_account(user, *, staff=None, reason: str = "") -> dict:
    """Delete `user`'s account. `staff`: the staff member doing it (a reason is then required
    and an audit row written). Returns what was removed. Deleting a deleted account does
    nothing."""
    User = get_user_model()
    if is_deleted(user):
        return {}
    if staff is not None:
        reason = (reason or "").strip()
        if not reason:
            raise DeletionRefused(_("A reason is required."))
        if staff.pk == user.pk:
            raise DeletionRefused(_("Delete your own account from your account menu."))
        if (user.is_staff or user.is_superuser) and not staff.is_superuser:
            raise DeletionRefused(_("Only a superuser can delete a staff account."))
    was_active = user.is_active
    User.objects.filter(pk=user.pk).update(is_active=False)
    try:
        billing_closing.stop_payments(user)
    except stripe.StripeError as error:
        log.warning("account %s not deleted: Stripe refused or was unreachable: %s", user.pk, error)
        User.objects.filter(pk=user.pk, deleted_at=None).update(is_active=was_active)
        raise DeletionRefused(
            _(
                "We could not stop your membership's payments just now, so nothing was deleted. "
                "Please try again in a few minutes."
            )
        ) from None
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if is_deleted(user):
            return {}
        ended = erasure.end_open_jobs(user)
        works = erasure.erase_works(user)
        forfeited = billing_closing.forfeit_points(user)
        exports = export.remove_exports(user)
        EmailAddress.objects.filter(user=user).delete()
        api_removed = _remove_api_data(user)
        _scrub(user)
        user_type = ContentType.objects.get_for_model(User)
        AuditEntry.objects.filter(target_type=user_type, target_id=str(user.pk)).pseudonymise(
            pseudonym(user)
        )
        removed = {
            "jobs": works,
            "jobs_ended": ended,
            "points_forfeited": forfeited,
            "exports": exports,
            **api_removed,
        }
        if staff is not None:
            audit.record(staff, audit.Action.DELETE_ACCOUNT, user, reason, **removed)
    log.info("account %s deleted by %s", user.pk, f"staff {staff.pk}" if staff else "its owner")
    return removed


def _remove_api_data(user) -> dict:
    """Access tokens, webhook endpoints (their URLs and secrets), the events made for them (with
    job details), stored API answers and photos uploaded through the API (files on commit)."""
    from webapp.api import photo_uploads
    from webapp.api.models import AccessToken, IdempotentRequest, WebhookEndpoint, WebhookEvent

    photo_uploads.delete_all(user.photo_uploads.all())
    tokens, _ = AccessToken.objects.filter(user=user).delete()
    endpoints, _ = WebhookEndpoint.objects.filter(user=user).delete()
    WebhookEvent.objects.filter(user=user).delete()
    IdempotentRequest.objects.filter(user=user).delete()
    return {"api_rows": tokens + endpoints}


def _scrub(user) -> None:
    user.email = pseudonym(user)
    user.display_name = ""
    user.set_unusable_password()  # also ends every session: their auth hash no longer matches
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.notify_job_finished = False
    user.last_login = None
    user.deleted_at = timezone.now()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
