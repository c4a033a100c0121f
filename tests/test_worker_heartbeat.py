"""Every Celery worker records that it is alive, whatever queues it serves: the staff dashboard's
GPU-workers table fills without any beat process."""

import pytest
from django.urls import reverse

from tests.conftest import start_worker, stop_worker, wait_for
from tests.staff_helpers import staff_member
from webapp.models import WorkerHeartbeat
from webapp.worker_heartbeat import record

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_gpu_worker_with_no_beat_shows_on_the_dashboard(tmp_path, client):
    # Only the GPU queues, as on a GPU host (README): no beat, no default queue.
    worker = start_worker(
        tmp_path, queues="gpu-priority,gpu", env={"WORKER_HEARTBEAT_SECONDS": "1"}
    )
    try:
        prefix = worker.hostname.split("@")[0] + "@"
        first = wait_for(
            lambda: WorkerHeartbeat.objects.filter(hostname__startswith=prefix).first(),
            timeout=300,
            message="the worker's first heartbeat",
        )
        # It keeps beating: a later row is newer than the first one.
        wait_for(
            lambda: WorkerHeartbeat.objects.filter(pk=first.pk, seen_at__gt=first.seen_at).exists(),
            timeout=300,
            message="a second heartbeat",
        )
    finally:
        stop_worker(worker)

    client.force_login(staff_member("ops@example.com", "Admins"))
    page = client.get(reverse("staff:dashboard")).content.decode()
    assert first.hostname in page


def test_a_heartbeat_the_database_refuses_is_logged_not_raised(monkeypatch, caplog):
    def down(*args, **kwargs):
        raise RuntimeError("database is down")

    monkeypatch.setattr(WorkerHeartbeat.objects, "update_or_create", down)
    record("w1@host")
    assert "could not record the heartbeat of worker w1@host" in caplog.text
