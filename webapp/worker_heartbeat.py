"""Each Celery worker proves it is alive: a row in WorkerHeartbeat, written when it starts and
every WORKER_HEARTBEAT_SECONDS after, by the worker itself.

A periodic task on the beat schedule would not do: it lands on one queue, so it reaches one worker,
and GPU workers (`-Q gpu-priority,gpu`) never take it. A worker bootstep runs in every worker's main
process, on its timer, whatever its queues and however busy its pool is.

Pool processes add the GPU memory their jobs hold to the same row (`gpu_memory`; /metrics
reads it).
"""

import logging
import os
import sys
import threading
import time

from celery import bootsteps
from celery.signals import celeryd_init, worker_process_init

log = logging.getLogger(__name__)


# The worker's name, handed to its pool processes (forked later) through the environment.
HOSTNAME_VARIABLE = "STUDIO_WORKER_HOSTNAME"


def record(hostname: str, started: bool = False) -> None:
    """Write this worker's heartbeat now. A database that is down is logged, never raised: the
    worker keeps running and the next beat tries again. A worker that starts forgets the GPU
    memory figures a previous run under its name left."""
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
        fields = {"pid": os.getpid(), "seen_at": timezone.now()}
        if started:
            fields |= {"gpu_memory_allocated": None, "gpu_memory_reserved": None}
        WorkerHeartbeat.objects.update_or_create(hostname=hostname, defaults=fields)
    except Exception:
        log.exception("could not record the heartbeat of worker %s", hostname)


def touch(path: str) -> None:
    try:
        with open(path, "a"):
            pass
        os.utime(path)
    except OSError:
        log.exception("could not touch the worker's liveness file %s", path)


def gpu_memory() -> tuple[int, int] | None:
    """(allocated, reserved) bytes on this process's GPUs as torch's allocator counts them, or
    None while this process has not started CUDA (a CPU worker, or no job yet). Never imports
    torch or starts CUDA itself: only a job does (generation/engine)."""
    torch = sys.modules.get("torch")
    if torch is None or not torch.cuda.is_initialized():
        return None
    devices = range(torch.cuda.device_count())
    return (
        sum(torch.cuda.memory_allocated(d) for d in devices),
        sum(torch.cuda.memory_reserved(d) for d in devices),
    )


def record_gpu_memory(hostname: str) -> bool:
    """Write the GPU memory this process holds on its worker's heartbeat row; False (nothing
    written) while it holds none."""
    from django.db import close_old_connections

    from webapp.models import WorkerHeartbeat

    memory = gpu_memory()
    if memory is None:
        return False
    try:
        close_old_connections()
        WorkerHeartbeat.objects.filter(hostname=hostname).update(
            gpu_memory_allocated=memory[0], gpu_memory_reserved=memory[1]
        )
    except Exception:
        log.exception("could not record the GPU memory of worker %s", hostname)
    return True


@celeryd_init.connect
def remember_hostname(sender=None, **_):
    if sender:
        os.environ[HOSTNAME_VARIABLE] = sender


@worker_process_init.connect
def report_gpu_memory(**_):
    """In each pool process (where jobs run CUDA; the main process never does): a thread that
    records the process's GPU memory on every heartbeat interval."""
    from django.conf import settings

    hostname = os.environ.get(HOSTNAME_VARIABLE)
    if not hostname:
        return

    def loop():
        while True:
            time.sleep(settings.WORKER_HEARTBEAT_SECONDS)
            record_gpu_memory(hostname)

    threading.Thread(target=loop, name="gpu-memory", daemon=True).start()


class WorkerHeartbeatStep(bootsteps.StartStopStep):
    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.tref = None

    def start(self, worker):
        from django.conf import settings

        record(worker.hostname, started=True)
        self.tref = worker.timer.call_repeatedly(
            settings.WORKER_HEARTBEAT_SECONDS, record, (worker.hostname,), priority=10
        )

    def stop(self, worker):
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None
