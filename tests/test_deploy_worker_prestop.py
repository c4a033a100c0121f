"""The GPU workers' preStop hook, run as the manifests run it against a real worker: the worker
stops taking jobs from both queues (and stays up to finish the one it runs)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import kustomize
from tests.conftest import ROOT, start_worker, stop_worker, wait_for
from webapp.celery import app


def pre_stop_command() -> list[str]:
    objects = kustomize.render(ROOT / "deploy" / "k8s" / "overlays" / "production")
    (deployment,) = [
        obj
        for obj in objects
        if obj["kind"] == "Deployment" and obj["metadata"]["name"] == "gpu-worker-wan2-1"
    ]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container["lifecycle"]["preStop"]["exec"]["command"]


def answering(prefix: str) -> str | None:
    for reply in app.control.ping(timeout=2) or []:
        for name in reply:
            if name.startswith(prefix):
                return name
    return None


def consumed_queues(node: str) -> set[str] | None:
    replies = app.control.inspect(destination=[node], timeout=5).active_queues() or {}
    return {queue["name"] for queue in replies[node]} if node in replies else None


@pytest.mark.django_db(transaction=True)
def test_pre_stop_makes_the_worker_stop_taking_jobs(tmp_path, requires_redis_broker):
    worker = start_worker(tmp_path, queues="gpu-priority,gpu")
    try:
        prefix = worker.hostname.split("@")[0] + "@"
        node = wait_for(lambda: answering(prefix), timeout=300, message="the worker's ping")
        # A busy worker may answer the inspection late: ask again rather than read no answer.
        queues = wait_for(lambda: consumed_queues(node), timeout=120, message="its queues")
        assert queues == {"gpu-priority", "gpu"}
        # The pod's hostname makes the worker's name gpu@$HOSTNAME; this worker has its own.
        command = [part.replace("gpu@$HOSTNAME", node) for part in pre_stop_command()]
        # `celery` on the PATH, as in the images.
        path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
        done = subprocess.run(
            command,
            cwd=ROOT,
            env={**os.environ, "PATH": path},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert wait_for(
            lambda: consumed_queues(node) == set(), timeout=60, message="no queue consumed"
        )
        assert worker.proc.poll() is None  # still running: SIGTERM comes after preStop
    finally:
        stop_worker(worker)
