"""Graceful drain: a worker told to stop (SIGTERM, Celery's warm shutdown, what Kubernetes and
compose send first) takes nothing new and finishes the job it runs; a worker killed during
that drain (the grace period ran out: SIGKILL to the whole process group) loses nothing: its job
runs again on another worker and the points are captured once. On Redis and on RabbitMQ, with
real `celery worker` processes on PostgreSQL.
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
from generation.models import Asset, Job
from tests import conftest
from tests.conftest import stop_worker, wait_for
from tests.faults.brokers import broker  # noqa: F401 - the fixture
from tests.faults.test_worker_faults import HEARTBEAT_TIMEOUT, running, sweep_until
from tests.gen_helpers import give_points, t2v_data

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("requires_postgres")]
WORKER_ENV = {"JOB_HEARTBEAT_SECONDS": "1"}
DRAINING = "Warm shutdown"


@pytest.fixture
def fast_heartbeat(settings):
    settings.JOB_HEARTBEAT_SECONDS = 1
    settings.JOB_HEARTBEAT_TIMEOUT = HEARTBEAT_TIMEOUT


@pytest.fixture
def workers(tmp_path, broker):  # noqa: F811
    """Starts real workers on the test's broker, each in its own process group."""
    started = []

    def start():
        from webapp.celery import app

        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(subprocess, "Popen", partial(subprocess.Popen, start_new_session=True))
            if started:  # only the first start empties the queues: later ones take what waits
                mp.setattr(app.control, "purge", lambda: 0)
            worker = conftest.start_worker(
                tmp_path, env={**WORKER_ENV, "CELERY_BROKER_URL": broker[1]}
            )
        started.append(worker)
        return worker

    yield start
    for worker in started:
        stop_worker(worker)


def submitted(client, user, duration="10") -> Job:
    client.force_login(user)
    client.get(reverse("generation:create"))  # the day's first visit grants the daily points
    give_points(user, 100)
    response = client.post(reverse("generation:create"), t2v_data(duration_s=duration))
    assert response.status_code == 302, response.context["form"].errors
    return Job.objects.filter(user=user).latest("pk")


def finished(job: Job, timeout=300) -> Job:
    return wait_for(
        lambda: Job.objects.filter(pk=job.pk, status__in=Job.FINISHED).first(),
        timeout=timeout,
        message=f"job {job.pk} to finish",
    )


def draining(worker) -> None:
    worker.proc.send_signal(signal.SIGTERM)
    wait_for(lambda: DRAINING in worker.log(), timeout=60, message="the warm shutdown")


def test_a_worker_told_to_stop_finishes_its_job_and_takes_no_other(
    client, alice, bob, fast_heartbeat, workers
):
    first = workers()
    job = submitted(client, alice)
    running(job, attempt=1)
    waiting = submitted(client, bob, duration="5")
    draining(first)
    told = time.monotonic()
    assert first.proc.wait(timeout=300) == 0  # it ends by itself once its job is done
    print(f"\nSIGTERM to the worker's exit, its job done: {time.monotonic() - told:.1f} s")
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.SUCCEEDED, 1), job.error_message
    assert Hold.objects.get(ref=job.ledger_ref).status == Hold.Status.CAPTURED
    # The job sent after the drain began waits in the queue for the next worker.
    waiting.refresh_from_db()
    assert (waiting.status, waiting.attempts) == (Job.Status.QUEUED, 0)
    workers()
    waiting = finished(waiting)
    assert (waiting.status, waiting.attempts) == (Job.Status.SUCCEEDED, 1), waiting.error_message
    for user in (alice, bob):
        assert ledger.audit_wallet(user).ok


def test_a_worker_killed_during_its_drain_loses_nothing(client, alice, fast_heartbeat, workers):
    first = workers()
    job = submitted(client, alice)
    before = ledger.balance(alice) + job.points_held
    job = running(job, attempt=1)
    draining(first)
    running(job, attempt=1, progress=job.progress + 1)  # still running: the drain waits on it
    os.killpg(first.pid, signal.SIGKILL)  # the grace period is over
    first.proc.wait()
    killed_at = time.monotonic()
    workers()
    # RabbitMQ hands the message back as the connection drops; Redis keeps it for its
    # visibility timeout (hours), so the sweep (beat, every minute) sends the job again.
    sweep_until(
        lambda: Job.objects.filter(pk=job.pk, attempts=2).exists(),
        message="the job's second attempt",
    )
    print(f"\nSIGKILL during the drain to the second attempt: {time.monotonic() - killed_at:.1f} s")
    job = finished(job)
    assert (job.status, job.attempts) == (Job.Status.SUCCEEDED, 2), job.error_message
    assert Asset.objects.filter(job=job, kind=Asset.Kind.VIDEO).count() == 1
    assert Hold.objects.get(ref=job.ledger_ref).status == Hold.Status.CAPTURED
    assert ledger.balance(alice) == before - job.points_held
    assert ledger.audit_wallet(alice).ok
    assert not Job.objects.filter(status__in=Job.ACTIVE).exists()
