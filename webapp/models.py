from django.db import models


class WorkerHeartbeat(models.Model):
    """Last sign of life from each Celery worker, written by the worker itself every
    WORKER_HEARTBEAT_SECONDS (webapp/worker_heartbeat.py)."""

    hostname = models.CharField(max_length=255, unique=True)
    pid = models.IntegerField()
    seen_at = models.DateTimeField()

    def __str__(self):
        return f"{self.hostname} (pid {self.pid}) at {self.seen_at:%Y-%m-%d %H:%M:%S}"
