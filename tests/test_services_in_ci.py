"""The suite really runs on PostgreSQL, and tasks really cross a broker to a worker process."""

import os

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import wait_for
from webapp.models import WorkerHeartbeat
from webapp.tasks import record_heartbeat


@pytest.mark.django_db
def test_ci_runs_the_suite_on_postgresql_and_redis():
    if not os.environ.get("CI"):
        pytest.skip("CI only: a laptop runs on the embedded defaults")
    assert connection.vendor == "postgresql"
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")


def parent_pid(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("PPid:"):
                return int(line.split()[1])
    raise AssertionError(f"no parent for {pid}")


def test_task_crosses_the_broker_to_a_real_worker_process(celery_worker_process):
    record_heartbeat.delay()

    # The worker's main process writes the same row on its own timer (webapp/worker_heartbeat.py);
    # the task's write is the one from another process.
    beat = wait_for(
        lambda: WorkerHeartbeat.objects.exclude(pid=celery_worker_process.pid).first(),
        message="the heartbeat row written by the task",
    )
    # The task ran in the worker's pool process: a child of the worker we started, not this process.
    assert beat.pid != os.getpid()
    assert parent_pid(beat.pid) == celery_worker_process.pid
    assert beat.hostname.startswith(celery_worker_process.hostname.split("@")[0])


def test_worker_uses_the_redis_broker_in_ci(requires_redis_broker, celery_worker_process):
    assert "redis://" in celery_worker_process.log()
