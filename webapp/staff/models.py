"""Staff actions: the audit log.

Every staff action (a review decision, a suspension, a points adjustment, a plan or a setting
change) writes one `AuditEntry` in the same transaction as the action itself. Entries are
append-only: the model refuses updates and deletes, and the admin shows them read-only.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("the audit log is append-only")

    def delete(self):
        raise TypeError("the audit log is append-only")

    def bulk_update(self, objs, fields, batch_size=None):
        raise TypeError("the audit log is append-only")

    def pseudonymise(self, target_repr: str) -> int:
        """The one change the log allows: when an account is deleted, the name its rows showed
        (an e-mail address) is replaced by a pseudonym. Who did what, when and why stays."""
        return super().update(target_repr=target_repr)


class AuditEntry(models.Model):
    """Who did what to which object, when, and why."""

    class Action(models.TextChoices):
        APPROVE = "approve", _("Approved a flagged item")
        REJECT = "reject", _("Rejected a flagged item")
        SUSPEND = "suspend", _("Suspended a user")
        UNSUSPEND = "unsuspend", _("Lifted a suspension")
        GRANT = "grant", _("Granted points")
        CLAW_BACK = "claw_back", _("Took back points")
        PLAN_CHANGE = "plan_change", _("Changed a plan")
        SETTING_CHANGE = "setting_change", _("Changed a setting")
        DELETE_ACCOUNT = "delete_account", _("Deleted an account")
        REVOKE_TOKEN = "revoke_token", _("Revoked an API token")
        RESTORE_WORK = "restore_work", _("Restored a reported work")
        UNPUBLISH_WORK = "unpublish_work", _("Unpublished a shared work")
        FEATURE_WORK = "feature_work", _("Made a work a staff pick")
        UNFEATURE_WORK = "unfeature_work", _("Removed a staff pick")

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="audit_entries",
        verbose_name=_("staff member"),
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    target_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("target type"),
    )
    target_id = models.CharField(_("target ID"), max_length=64, blank=True)
    # What the target was called at the time, so the row still reads well if it is deleted.
    target_repr = models.CharField(_("target"), max_length=200)
    # The user the action concerns (the flagged job's owner, the suspended user...), for the
    # user page and for filtering.
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries_about",
        verbose_name=_("user concerned"),
    )
    reason = models.TextField(_("reason"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["target_type", "target_id"])]
        permissions = [
            ("view_dashboard", _("Can see the staff dashboard")),
            ("moderate_content", _("Can approve and reject flagged items")),
            ("manage_users", _("Can see user pages and suspend users")),
            ("adjust_points", _("Can grant and take back points")),
        ]

    def __str__(self):
        return f"{self.staff} · {self.get_action_display()} · {self.target_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("the audit log is append-only")
