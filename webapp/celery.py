"""The Celery app. Tasks live in each app's tasks.py; configuration comes from CELERY_* settings."""

import os

from celery import Celery

from webapp.worker_heartbeat import WorkerHeartbeatStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")

app = Celery("webapp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Every worker, whatever queues it serves, records that it is alive (the staff dashboard's table).
app.steps["worker"].add(WorkerHeartbeatStep)
