"""Admin pieces shared by the staff-owned admins."""

from django.contrib import admin
from django.core.files import File
from django.db import models, transaction
from django.forms.models import model_to_dict

from webapp.staff import audit


def _plain(value):
    """A form or model value as something JSON can hold: rows by name, lists of rows by names."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (list, tuple, set, models.QuerySet)):
        return sorted(_plain(v) for v in value)
    if isinstance(value, File):  # an upload or a stored file: its name
        return value.name or ""
    return value


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that change only through the code's own rules (ledger, payments, audit, flags):
    staff read them in the admin and never add, edit or delete them there."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedSettingAdmin:
    """A ModelAdmin mixin: every add, change and delete of a setting row (a screening rule, a
    tier, a staff account's roles) writes a `setting_change` audit row in the same transaction,
    with the changed fields' old and new values. Fields in `audit_exclude` (secrets) are named
    but their values are not kept."""

    audit_exclude = ("password",)

    def _values(self, data: dict, names) -> dict:
        return {
            name: "(hidden)" if name in self.audit_exclude else _plain(data.get(name))
            for name in names
        }

    def save_model(self, request, obj, form, change):
        before = {}
        if change and obj.pk is not None:
            old = type(obj).objects.filter(pk=obj.pk).first()
            before = model_to_dict(old) if old is not None else {}
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            names = form.changed_data if change else list(form.cleaned_data)
            # cleaned_data, not the saved row: many-to-many fields are saved after save_model.
            after = {**model_to_dict(obj), **form.cleaned_data}
            old_values, new_values = self._values(before, names), self._values(after, names)
            audit.record(
                request.user,
                audit.Action.SETTING_CHANGE,
                obj,
                reason="changed" if change else "added",
                model=obj._meta.label,
                changes={
                    name: {"from": old_values[name], "to": new_values[name]}
                    if change
                    else new_values[name]
                    for name in names
                },
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            data = model_to_dict(obj)
            audit.record(
                request.user,
                audit.Action.SETTING_CHANGE,
                obj,
                reason="deleted",
                model=obj._meta.label,
                deleted=self._values(data, data),
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
