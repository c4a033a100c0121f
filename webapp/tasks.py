import os

from celery import shared_task
from django.utils import timezone

from webapp.models import WorkerHeartbeat


@shared_task(bind=True)
def record_heartbeat(self):
    """Proof that a worker is alive and can reach the database."""
    WorkerHeartbeat.objects.update_or_create(
        hostname=self.request.hostname or "unknown",
        defaults={"pid": os.getpid(), "seen_at": timezone.now()},
    )
    return os.getpid()
