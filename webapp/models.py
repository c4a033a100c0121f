from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """Last sign of life from each Celery worker, written by the worker itself every
    WORKER_HEARTBEAT_SECONDS (webapp/worker_heartbeat.py)."""

    hostname = models.CharField(_("worker"), max_length=255, unique=True)
    pid = models.IntegerField(_("process ID"))
    seen_at = models.DateTimeField(_("last seen"))
    # What the worker's jobs hold on its GPU (torch's allocator), written every heartbeat by
    # the pool process once CUDA is in use; empty on CPU workers.
    gpu_memory_allocated = models.BigIntegerField(
        _("GPU memory allocated (bytes)"), null=True, blank=True
    )
    gpu_memory_reserved = models.BigIntegerField(
        _("GPU memory reserved (bytes)"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self):
        return gettext("%(host)s (process %(pid)s), seen %(when)s") % {
            "host": self.hostname,
            "pid": self.pid,
            "when": f"{self.seen_at:%Y-%m-%d %H:%M:%S}",
        }
