"""Case 4 on a live broker: Redis stops while a user submits, then comes back.

The submit must neither answer 500 nor lose the points: the job is saved as queued with its
points held and no enqueue record. When the broker is back, the sweep (beat, every minute) sends
it once, a real worker runs it, and the points are captured once. The broker here is a private
`redis-server` this test starts and stops, so the shared one keeps serving everything else.
"""

import os
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from billing import ledger
from billing.models import Hold
from generation import services
from generation.models import Job
from tests import conftest
from tests.conftest import stop_worker, wait_for
from tests.gen_helpers import give_points, t2v_data

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("requires_postgres")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    def __init__(self, port: int, folder):
        self.port, self.folder, self.proc = port, folder, None
        self.url = f"redis://127.0.0.1:{port}/0"

    def start(self):
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is missing (the CI machine runs Redis; install redis-server)")
        self.proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_for(self.answers, timeout=30, message=f"redis on port {self.port}")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        assert not self.answers()


@contextmanager
def web_side_broker(url: str):
    """Point this process's Celery app (the web side's) at `url`, and back afterwards."""
    from webapp.celery import app

    def reset():
        app._pool = None
        app.__dict__.get("amqp") and setattr(app.amqp, "_producer_pool", None)

    # Celery prefers the CELERY_BROKER_URL environment variable (set in CI) to its own setting.
    old, old_env = app.conf.broker_url, os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = url
    app.conf.broker_url = url
    reset()
    try:
        host = url.split("//", 1)[1].rsplit("/", 1)[0]  # 127.0.0.1:<port>
        assert host in app.connection_for_write().as_uri()
        yield app
    finally:
        if old_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = old_env
        app.conf.broker_url = old
        reset()


@pytest.fixture
def private_redis(tmp_path):
    redis = PrivateRedis(free_port(), tmp_path)
    redis.start()
    yield redis
    if redis.proc.poll() is None:
        redis.stop()


def test_a_job_submitted_while_the_broker_is_down_runs_once_it_is_back(
    client, alice, private_redis, tmp_path
):
    give_points(alice, 100)
    client.force_login(alice)
    client.get(reverse("generation:create"))  # the day's first visit grants the daily points
    with web_side_broker(private_redis.url):
        worker = conftest.start_worker(tmp_path, env={"CELERY_BROKER_URL": private_redis.url})
        try:
            private_redis.stop()
            before = ledger.balance(alice)

            started = time.monotonic()
            response = client.post(reverse("generation:create"), t2v_data())
            answered_in = time.monotonic() - started

            assert response.status_code == 302, response.content[:500]  # not a 500
            job = Job.objects.get(user=alice)
            assert (job.status, job.enqueued_at) == (Job.Status.QUEUED, None)
            assert Hold.objects.get(ref=job.ledger_ref).status == Hold.Status.HELD
            assert ledger.balance(alice) == before - job.points_held
            print(f"submit with the broker down answered in {answered_in:.1f} s")

            private_redis.start()  # back, empty: whatever it held is gone
            later = timezone.now() + services.UNSENT_GRACE + timedelta(seconds=1)
            assert services.sweep_stuck_jobs(now=later) == 1
            assert services.sweep_stuck_jobs(now=later) == 0  # sent once

            wait_for(
                lambda: Job.objects.filter(pk=job.pk, status=Job.Status.SUCCEEDED).exists(),
                timeout=600,
                interval=0.2,
                message=f"job {job.pk} to succeed after the broker came back\n{worker.log()}",
            )
        finally:
            stop_worker(worker)
    job.refresh_from_db()
    assert job.attempts == 1
    assert Hold.objects.get(ref=job.ledger_ref).status == Hold.Status.CAPTURED
    assert ledger.balance(alice) == before - job.points_held
    assert ledger.audit_wallet(alice).ok
    assert not Job.objects.filter(status__in=Job.ACTIVE).exists()
