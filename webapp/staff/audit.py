"""Writing the audit log. Call `record` inside the transaction of the action it describes, so
the action and its row are committed together or not at all."""

import json

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder

from webapp.staff.models import AuditEntry

Action = AuditEntry.Action


def record(staff, action: str, target, reason: str = "", subject_user=None, **details):
    """Append one row: `staff` did `action` to `target` (a model instance, or a plain string for
    something that is not a row) because of `reason`. `subject_user` defaults to the target when it
    is a user, else to the target's `user` attribute when it has one."""
    if staff is None or not staff.pk:
        raise ValueError("an audit entry needs the staff member who acted")
    if action not in Action.values:
        raise ValueError(f"unknown audit action {action!r}")
    target_type, target_id = None, ""
    if hasattr(target, "_meta") and target.pk is not None:
        target_type = ContentType.objects.get_for_model(target, for_concrete_model=False)
        target_id = str(target.pk)
    if subject_user is None:
        if isinstance(target, get_user_model()):
            subject_user = target
        else:
            subject_user = getattr(target, "user", None)
    return AuditEntry.objects.create(
        staff=staff,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_repr=str(target)[:200],
        subject_user=subject_user,
        reason=reason,
        # Round-trip through Django's encoder so dates and decimals are stored as text.
        details=json.loads(json.dumps(details, cls=DjangoJSONEncoder)),
    )
