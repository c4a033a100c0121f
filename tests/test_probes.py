"""/healthz and /readyz as the kubelet asks them, and the worker's liveness file."""

import os
import time

import pytest

from webapp import worker_heartbeat

KUBELET = {"HTTP_HOST": "10.1.2.3:8000"}  # the pod's address: not in ALLOWED_HOSTS


@pytest.fixture
def public_site(settings):
    settings.ALLOWED_HOSTS = ["studio.example.com"]
    settings.SECURE_SSL_REDIRECT = True


def test_liveness_answers_without_the_database(client, public_site):
    # No db fixture: any database access here would raise.
    response = client.get("/healthz", **KUBELET)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_readiness_checks_the_database_and_the_broker(
    db, client, public_site, requires_postgres, requires_redis_broker
):
    response = client.get("/readyz", **KUBELET)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_readiness_fails_while_the_broker_is_unreachable(db, client, public_site, settings):
    # A port nothing listens on: the connection is refused at once.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    started = time.monotonic()
    response = client.get("/readyz", **KUBELET)
    assert response.status_code == 503
    assert response.json() == {"status": "failed", "database": "ok", "broker": "failed"}
    assert time.monotonic() - started < 30


def test_other_paths_still_check_the_host(client, public_site):
    assert client.get("/healthz/", **KUBELET).status_code == 400


def test_each_heartbeat_touches_the_liveness_file(transactional_db, settings, tmp_path):
    alive = tmp_path / "worker-alive"
    settings.WORKER_ALIVE_FILE = str(alive)
    worker_heartbeat.record("probe@host")
    assert alive.exists()
    os.utime(alive, (1, 1))
    worker_heartbeat.record("probe@host")
    assert time.time() - alive.stat().st_mtime < 60


def test_the_liveness_file_is_touched_even_when_the_database_is_down(settings, tmp_path):
    # No db fixture: the heartbeat's database write fails (logged), the file is still touched.
    alive = tmp_path / "worker-alive"
    settings.WORKER_ALIVE_FILE = str(alive)
    worker_heartbeat.record("probe@host")
    assert alive.exists()
