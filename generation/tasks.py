"""Celery tasks for generation: thin wrappers around execution.py and services.py."""

import logging
import os
import threading

from celery import shared_task
from celery.signals import worker_init, worker_process_init, worker_process_shutdown
from django.conf import settings

from generation import notify, services, threads

log = logging.getLogger(__name__)

# A redelivered job whose worker may still be alive is looked at again until its heartbeat
# is either gone stale (then it is claimed again) or the job has ended.
RECHECKS = settings.JOB_LONGEST_HARD_LIMIT // settings.JOB_HEARTBEAT_TIMEOUT + 2


@shared_task(
    bind=True,
    acks_late=True,
    # A worker process killed mid-job puts the message back; claim() caps the attempts.
    reject_on_worker_lost=True,
    # Time limits come with each message (services.enqueue: per spec, kind, quality, length).
)
def run_job(self, job_id: int) -> str:
    from generation.execution import execute

    outcome = execute(job_id, worker=self.request.hostname or "worker")
    if outcome == "busy":
        raise self.retry(countdown=settings.JOB_HEARTBEAT_TIMEOUT, max_retries=RECHECKS)
    return outcome


@shared_task(autoretry_for=(OSError,), retry_backoff=30, retry_backoff_max=3600, max_retries=8)
def send_job_email(job_id: int, what: str = "finished") -> bool:
    """One job e-mail (generation/notify.py), on the default queue; retried for about four
    hours while the mail server fails."""
    return notify.send(job_id, what)


@shared_task
def sweep_stuck_jobs() -> int:
    return services.sweep_stuck_jobs()


@worker_init.connect
def budget_threads(sender=None, **_):
    """Before the pool starts, give each pool process its share of the cores (threads.py)."""
    concurrency = getattr(sender, "concurrency", None) or 1
    share = threads.budget(os.cpu_count(), concurrency, settings.WORKER_THREADS)
    threads.limit(share)
    log.info("thread budget: %d per pool process (%d processes)", share, concurrency)


@worker_process_init.connect
def warm_up_pipeline(**_):
    """With GENERATION_WARMUP, load what the memory plan keeps warm as each pool process starts
    (generation/engine/memory.py), in a thread: the
    signal must return within seconds, and a job arriving meanwhile waits on the loader's lock.
    Runs in the child, so the prefork parent never touches CUDA."""
    if not settings.GENERATION_WARMUP:
        return

    def load():
        from generation.engine import runner
        from generation.execution import load_options

        loaded = runner.warm_up(
            settings.GENERATION_MODEL,
            device=settings.GENERATION_DEVICE or None,
            options=load_options(),
        )
        log.info("pipelines warm in pool process %s: %s", os.getpid(), ", ".join(loaded))

    threading.Thread(target=load, name="warm-up", daemon=True).start()


@worker_process_shutdown.connect
def finish_post_processing(**_):
    """A pool process that stops (warm shutdown, recycling) first finishes the job whose files
    are still being made in the background (overlap.py); its task is already acknowledged."""
    from generation import overlap

    overlap.drain()
