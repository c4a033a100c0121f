"""A real Celery worker for the benchmarks that time jobs end to end (bench_eta, bench_chain,
bench_overlap): one process on the GPU queues, started from this checkout with the caller's
environment, its log in var/, and returned once it says it is ready."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
READY_WITHIN_S = 300  # a cold start on a busy 2-core box loads the demo model in minutes


def start(name: str, env: dict | None = None) -> tuple[subprocess.Popen, Path]:
    """The worker process and its log (var/bench-<name>-worker.log); RuntimeError naming the
    log if it exits or is not ready in time."""
    log_path = ROOT / "var" / f"bench-{name}-worker.log"
    log_path.parent.mkdir(exist_ok=True)
    log = open(log_path, "w")  # noqa: SIM115 - the worker writes to it until it ends
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "webapp",
            "worker",
            "--concurrency=1",
            "-Q",
            "gpu-priority,gpu",
            f"--hostname=bench-{name}-{uuid.uuid4().hex[:6]}@%h",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=dict(os.environ) if env is None else env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + READY_WITHIN_S
    while " ready." not in log_path.read_text(errors="ignore"):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the bench worker did not start; see {log_path}")
        time.sleep(0.2)
    return proc, log_path
