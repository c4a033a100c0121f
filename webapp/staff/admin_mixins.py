"""Admin pieces shared by the staff-owned admins."""

from django.db import transaction
from django.forms.models import model_to_dict

from webapp.staff import audit


class AuditedSettingAdmin:
    """A ModelAdmin mixin: every add, change and delete of a setting row (a screening rule, a
    tier) writes a `setting_change` audit row in the same transaction, with the changed fields'
    old and new values. The admin's optional "change message" is not a reason, so the form's
    changed fields stand in for it."""

    def save_model(self, request, obj, form, change):
        before = {}
        if change and obj.pk is not None:
            old = type(obj).objects.filter(pk=obj.pk).first()
            before = model_to_dict(old) if old is not None else {}
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            after = model_to_dict(obj)
            changed = {
                name: {"from": before.get(name), "to": after.get(name)}
                for name in (form.changed_data if change else after)
                if name in after
            }
            audit.record(
                request.user,
                audit.Action.SETTING_CHANGE,
                obj,
                reason="changed" if change else "added",
                model=obj._meta.label,
                changes=changed,
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            snapshot = model_to_dict(obj)
            audit.record(
                request.user,
                audit.Action.SETTING_CHANGE,
                obj,
                reason="deleted",
                model=obj._meta.label,
                deleted=snapshot,
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
