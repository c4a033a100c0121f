"""/healthz and /readyz as the kubelet asks them, and the worker's liveness file."""

import os
import subprocess
import time

import pytest

from tests import kustomize
from tests.conftest import ROOT, start_worker, stop_worker, wait_for
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


def _liveness_command() -> list[str]:
    """The GPU workers' liveness probe exactly as the rendered manifests run it."""
    objects = kustomize.render(ROOT / "deploy" / "k8s" / "overlays" / "production")
    (deployment,) = [
        obj
        for obj in objects
        if obj["kind"] == "Deployment" and obj["metadata"]["name"] == "gpu-worker-wan2-1"
    ]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container["livenessProbe"]["exec"]["command"]


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_keeps_its_liveness_probe_passing_until_it_stops(tmp_path):
    alive = tmp_path / "worker-alive"
    env = {"WORKER_ALIVE_FILE": str(alive), "WORKER_HEARTBEAT_SECONDS": "1"}
    probe = _liveness_command()
    worker = start_worker(tmp_path, queues="gpu-priority,gpu", env=env)
    try:
        wait_for(alive.exists, timeout=300, message="the worker's liveness file")
        assert subprocess.run(probe, env={**os.environ, **env}).returncode == 0
        # It keeps touching the file while it runs.
        os.utime(alive, (0, 0))
        wait_for(lambda: alive.stat().st_mtime > 0, timeout=300, message="a later heartbeat")
    finally:
        stop_worker(worker)
    # A worker whose main loop has stopped: the file ages and the probe fails.
    stale = time.time() - 600
    os.utime(alive, (stale, stale))
    assert subprocess.run(probe, env={**os.environ, **env}).returncode != 0
