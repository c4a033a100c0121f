"""The audit log in the staff panel: read-only, filterable by action, staff member and date."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from webapp.staff.admin_mixins import ReadOnlyAdmin
from webapp.staff.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "staff", "action", "target_repr", "user_link", "reason")
    list_filter = ("action", "staff", "target_type", "created_at")
    list_select_related = ("staff", "subject_user")
    search_fields = ("target_repr", "reason", "staff__email", "subject_user__email")
    date_hierarchy = "created_at"
    actions = None
    fields = (
        "created_at",
        "staff",
        "action",
        "target_type",
        "target_id",
        "target_repr",
        "subject_user",
        "reason",
        "details",
    )
    readonly_fields = fields

    @admin.display(description=_("user concerned"), ordering="subject_user__email")
    def user_link(self, entry):
        if entry.subject_user_id is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("staff:user", args=[entry.subject_user_id]),
            entry.subject_user,
        )
