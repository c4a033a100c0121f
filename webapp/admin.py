from django.contrib import admin
from django.utils.translation import gettext_noop

from webapp.models import WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ("hostname", "pid", "seen_at")
    ordering = ("-seen_at",)


# Strings of Django's own admin templates that Django's 简体中文 catalogue lacks (Django 5.2):
# listed here so that `make messages` keeps them in ours, which the admin reads first.
DJANGO_ADMIN_STRINGS = [
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("Model name"),
    gettext_noop("Error:"),
    gettext_noop("Forgotten your login credentials?"),
    gettext_noop("In case you’ve forgotten, you are:"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
]
