from django.contrib import admin

from webapp.models import WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ("hostname", "pid", "seen_at")
    ordering = ("-seen_at",)
