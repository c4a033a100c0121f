"""What staff do to users: suspend and reinstate, grant and take back points.

Each function does the action and writes its audit row in one transaction: either both happen or
neither does. Permissions are checked by the views; these functions trust their caller.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from billing import ledger
from generation import services as generation
from webapp.staff import audit


class StaffActionError(Exception):
    """A request refused before anything changed; the message is shown to the staff member."""


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise StaffActionError(_("A reason is required."))
    return reason


def suspend_user(user, staff, reason: str) -> list[int]:
    """Refuse the user's logins from now on (their open sessions end at the next request: Django
    does not load inactive users) and cancel their queued, running and held-before-running jobs,
    each refunded by generation.services.cancel. Returns the ids of the jobs canceled.
    Suspending a suspended user changes nothing and writes no row."""
    reason = _require_reason(reason)
    if user.pk == staff.pk:
        raise StaffActionError(_("You cannot suspend yourself."))
    if (user.is_staff or user.is_superuser) and not staff.is_superuser:
        raise StaffActionError(_("Only a superuser can suspend a staff account."))
    with transaction.atomic():
        type(user).objects.select_for_update().filter(pk=user.pk).first()
        changed = type(user).objects.filter(pk=user.pk, is_active=True).update(is_active=False)
        if not changed:
            return []
        user.is_active = False
        canceled = generation.cancel_all(user)
        audit.record(staff, audit.Action.SUSPEND, user, reason, canceled_jobs=canceled)
    return canceled


def unsuspend_user(user, staff, reason: str) -> bool:
    """Let the user log in again. False (and no row) if they were not suspended."""
    reason = _require_reason(reason)
    with transaction.atomic():
        changed = type(user).objects.filter(pk=user.pk, is_active=False).update(is_active=True)
        if changed:
            user.is_active = True
            audit.record(staff, audit.Action.UNSUSPEND, user, reason)
    return bool(changed)


def _not_own_account(user, staff) -> None:
    # Points are money's worth: nobody adjusts their own balance.
    if user.pk == staff.pk:
        raise StaffActionError(_("You cannot change your own points."))


def grant_points(user, amount: int, staff, reason: str):
    """Give `amount` tenths as a never-expiring staff lot; the ledger entry names the staff
    member and the reason, and so does the audit row. Never to the staff member themselves."""
    reason = _require_reason(reason)
    _not_own_account(user, staff)
    if amount <= 0:
        raise StaffActionError(_("Grant a positive number of points."))
    return _adjust(user, amount, staff, reason, audit.Action.GRANT)


def claw_back_points(user, amount: int, staff, reason: str):
    """Take `amount` tenths back, from the lots that would be spent first. Never below zero:
    more than the balance is refused with nothing changed."""
    reason = _require_reason(reason)
    _not_own_account(user, staff)
    if amount <= 0:
        raise StaffActionError(_("Take back a positive number of points."))
    return _adjust(user, -amount, staff, reason, audit.Action.CLAW_BACK)


def _adjust(user, signed_amount: int, staff, reason: str, action):
    """The ledger adjustment and its audit row, in one transaction."""
    with transaction.atomic():
        try:
            entries = ledger.adjust(user, signed_amount, reason, staff)
        except ledger.NotEnoughPoints as exc:
            raise StaffActionError(str(exc)) from None
        audit.record(
            staff,
            action,
            user,
            reason,
            amount=abs(signed_amount),
            entries=[e.pk for e in entries],
        )
    return entries
