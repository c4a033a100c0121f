"""Post-processing off the pipeline's critical path: while one job's frames are encoded, marked,
screened and uploaded in a background thread, the pool process denoises the next job.

One background thread at a time per pool process, for one job: a job that finishes
denoising while the previous one is still being post-processed waits for it, so at most two
jobs' frames are in memory. The job's heartbeat runs until its post-processing ends, so the
sweep never takes it for lost; if the process dies meanwhile (its task already acknowledged),
the heartbeat goes silent and the sweep sends the job again, as for any worker killed mid-job.
A pool process that stops (warm shutdown, recycling) drains the stage first (tasks.py). The
stage runs outside its task's time limits; a job stuck there past its own hard limit is failed
and refunded by the sweep, and the next job's task, waiting for the stage, hits its own limit.
"""

import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import connection

log = logging.getLogger(__name__)


def enabled(device: str) -> bool:
    """GENERATION_OVERLAP_POSTPROCESS, or with `auto` on for GPU workers only: on a CPU-only
    host denoising and encoding compete for the same cores (docs/BENCHMARKS.md, bench_overlap)."""
    configured = settings.GENERATION_OVERLAP_POSTPROCESS
    if configured is not None:
        return configured
    return device.startswith("cuda")


class PostprocessStage:
    """Runs one post-processing at a time, each in a thread of its own (not a daemon: a normal
    interpreter exit waits for it too)."""

    def __init__(self):
        self._free = threading.Semaphore(1)  # held while a job is being post-processed
        self._thread: threading.Thread | None = None

    def submit(self, work: Callable[[], object], name: str) -> None:
        """Run `work` in the background once the previous one has ended (blocks until then)."""
        self._free.acquire()
        try:
            self._thread = threading.Thread(target=self._run, args=(work,), name=name)
            self._thread.start()
        except BaseException:
            self._free.release()
            raise

    def drain(self) -> None:
        """Wait for the post-processing under way, if any."""
        with self._free:
            pass

    def _run(self, work):
        try:
            work()
        except Exception:  # work() fails its own job; this only keeps the stage alive
            log.exception("post-processing crashed")
        finally:
            connection.close()  # this thread's own database connection
            self._free.release()


_stage = PostprocessStage()


def submit(work: Callable[[], object], name: str) -> None:
    _stage.submit(work, name)


def drain() -> None:
    _stage.drain()
