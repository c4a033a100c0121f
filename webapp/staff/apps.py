from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "webapp.staff"
    label = "staff"
    verbose_name = _("Staff")

    def ready(self):
        from webapp.staff.groups import ensure_staff_groups

        # This app is installed last, so every other app's permissions exist by the time its
        # post_migrate signal is sent.
        post_migrate.connect(ensure_staff_groups, sender=self, dispatch_uid="staff-groups")
