"""Each Celery worker proves it is alive: a row in WorkerHeartbeat, written when it starts and
every WORKER_HEARTBEAT_SECONDS after, by the worker itself.

A periodic task on the beat schedule would not do: it lands on one queue, so it reaches one worker,
and GPU workers (`-Q gpu-priority,gpu`) never take it. A worker bootstep runs in every worker's main
process, on its timer, whatever its queues and however busy its pool is.
"""

import logging
import os

from celery import bootsteps

log = logging.getLogger(__name__)


def record(hostname: str) -> None:
    """Write this worker's heartbeat now. A database that is down is logged, never raised: the
    worker keeps running and the next beat tries again."""
    from django.conf import settings
    from django.db import close_old_connections
    from django.utils import timezone

    from webapp.models import WorkerHeartbeat

    if settings.WORKER_ALIVE_FILE:
        # The container's liveness probe reads this file's age: the timer ran, so the worker's
        # main loop is alive, whether or not the database is up (a restart would not fix that).
        touch(settings.WORKER_ALIVE_FILE)
    try:
        close_old_connections()
        WorkerHeartbeat.objects.update_or_create(
            hostname=hostname, defaults={"pid": os.getpid(), "seen_at": timezone.now()}
        )
    except Exception:
        log.exception("could not record the heartbeat of worker %s", hostname)


def touch(path: str) -> None:
    try:
        with open(path, "a"):
            pass
        os.utime(path)
    except OSError:
        log.exception("could not touch the worker's liveness file %s", path)


class WorkerHeartbeatStep(bootsteps.StartStopStep):
    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.tref = None

    def start(self, worker):
        from django.conf import settings

        record(worker.hostname)
        self.tref = worker.timer.call_repeatedly(
            settings.WORKER_HEARTBEAT_SECONDS, record, (worker.hostname,), priority=10
        )

    def stop(self, worker):
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None
