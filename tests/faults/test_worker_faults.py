"""Faults on a real worker: the whole worker SIGKILLed mid-job (main process and pool at once).

The broker keeps such a job's message unacknowledged for its visibility timeout (hours); the sweep
(every minute in production) notices the silent heartbeat and sends the job again, once. Runs on
PostgreSQL and Redis with real `celery worker` processes, each in its own process group.
"""

import os
import signal
import subprocess
import time
from functools import partial

import pytest
from django.urls import reverse

from billing import ledger
from billing.models import Hold
from generation import services
from generation.models import Job
from tests import conftest
from tests.conftest import stop_worker, wait_for
from tests.gen_helpers import give_points, t2v_data

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("requires_postgres", "requires_redis_broker"),
]
# A beat a second: a worker is presumed dead after 6 s of silence.
WORKER_ENV = {"JOB_HEARTBEAT_SECONDS": "1"}
HEARTBEAT_TIMEOUT = 6


@pytest.fixture
def fast_heartbeat(settings):
    settings.JOB_HEARTBEAT_SECONDS = 1
    settings.JOB_HEARTBEAT_TIMEOUT = HEARTBEAT_TIMEOUT


@pytest.fixture
def workers(tmp_path):
    started = []

    def start():
        # Its own session, so killing its process group kills the main process and the pool.
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(subprocess, "Popen", partial(subprocess.Popen, start_new_session=True))
            worker = conftest.start_worker(tmp_path, env=WORKER_ENV)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        stop_worker(worker)


def kill_whole_worker(worker) -> float:
    os.killpg(worker.pid, signal.SIGKILL)
    worker.proc.wait()
    return time.monotonic()


def running(job, attempt: int, progress=1, timeout=120) -> Job:
    return wait_for(
        lambda: Job.objects.filter(
            pk=job.pk, status=Job.Status.RUNNING, attempts=attempt, progress__gte=progress
        ).first(),
        timeout=timeout,
        interval=0.05,
        message=f"job {job.pk} running its attempt {attempt}",
    )


def sweep_until(predicate, message: str):
    """Run the sweep (beat runs it every minute) until it has done what we wait for."""

    def swept():
        services.sweep_stuck_jobs()
        return predicate()

    return wait_for(swept, timeout=120, interval=0.5, message=message)


def submitted(client, user) -> Job:
    client.force_login(user)
    client.get(reverse("generation:create"))
    give_points(user, 100)
    response = client.post(reverse("generation:create"), t2v_data(duration_s="10"))
    assert response.status_code == 302, response.context["form"].errors
    return Job.objects.get(user=user)


def test_a_job_whose_whole_worker_was_killed_runs_again_from_the_queue(
    client, alice, fast_heartbeat, workers
):
    first = workers()
    job = submitted(client, alice)
    before = ledger.balance(alice) + job.points_held
    running(job, attempt=1)
    killed_at = kill_whole_worker(first)
    second = workers()
    sweep_until(
        lambda: (
            Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).exists()
            or Job.objects.filter(pk=job.pk, attempts=2).exists()
        ),
        message="the sweep to put the job back in the queue",
    )
    running(job, attempt=2, progress=0)  # claimed again by the new worker
    seconds = time.monotonic() - killed_at
    print(f"\nSIGKILL of the whole worker to running again: {seconds:.1f} s")
    assert seconds < 120
    running(job, attempt=2)
    job = wait_for(
        lambda: Job.objects.filter(pk=job.pk, status__in=Job.FINISHED).first(),
        timeout=300,
        message=f"job {job.pk} to finish",
    )
    assert (job.status, job.attempts) == (Job.Status.SUCCEEDED, 2), job.error_message
    # The old message, delivered late (after the broker's visibility timeout), runs nothing.
    from generation.tasks import run_job

    services.enqueue(job)
    wait_for(lambda: "'skipped'" in second.log(), timeout=60, message="the late delivery")
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.SUCCEEDED, 2)
    assert run_job.name in second.log()
    assert ledger.balance(alice) == before - job.points_held
    assert Hold.objects.get(ref=job.ledger_ref).status == Hold.Status.CAPTURED
    assert ledger.audit_wallet(alice).ok


def test_a_job_whose_worker_is_killed_twice_is_refunded_not_run_a_third_time(
    client, alice, fast_heartbeat, workers
):
    first = workers()
    job = submitted(client, alice)
    before = ledger.balance(alice) + job.points_held
    running(job, attempt=1)
    kill_whole_worker(first)
    second = workers()
    sweep_until(
        lambda: Job.objects.filter(pk=job.pk, attempts=2).exists(),
        message="the job's second attempt",
    )
    running(job, attempt=2)
    killed_at = kill_whole_worker(second)
    job = sweep_until(
        lambda: Job.objects.filter(pk=job.pk, status__in=Job.FINISHED).first(),
        message="the sweep to end the job",
    )
    seconds = time.monotonic() - killed_at
    print(f"\nSecond SIGKILL of the whole worker to refunded: {seconds:.1f} s")
    assert seconds < 120
    assert (job.status, job.attempts) == (Job.Status.FAILED, 2)
    assert "stopped twice" in job.error_message
    assert ledger.balance(alice) == before
    assert Hold.objects.get(ref=job.ledger_ref).status == Hold.Status.RELEASED
    assert ledger.audit_wallet(alice).ok
    # Nothing left queued or running.
    assert not Job.objects.filter(status__in=Job.ACTIVE).exists()
