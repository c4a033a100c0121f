"""How long a worker's pipeline sits idle waiting for post-processing, with the overlap off and
on (generation/overlap.py):

    python manage.py bench_overlap --jobs 10

For each setting of GENERATION_OVERLAP_POSTPROCESS (false, then true) it starts one `celery
worker` process (the configured broker and model, the tiny one by default; --steps sets
GENERATION_STEPS for it), runs one job to load the model (not counted), then queues --jobs
5-s text-to-video jobs at once, as the site does (a bench
user's jobs, points held, enqueued), and waits for all of them. The worker logs when it denoised
each job and when it post-processed it (execution.py, "stage" lines); from those:

- wall: the first denoising's start to the last post-processing's end;
- idle: the time before the last denoising starts during which no job is being denoised while
  one is being post-processed (every job was queued, so the pipeline had work and waited for
  post-processing); after the last denoising there is nothing left to denoise;
- the idle share of the wall time.

--rounds N repeats the pair (off, on) N times, for a loaded host. The bench user, its jobs,
files and ledger are deleted.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from billing import ledger
from billing.models import Lot
from generation import services
from generation.management import bench_worker
from generation.models import Job

STAGE_LINE = re.compile(r"job (\d+) stage (denoise|postprocess) ([\d.]+) ([\d.]+)")


@dataclass
class Timeline:
    denoise: dict[int, tuple[float, float]]  # job id: (start, end), seconds since the epoch
    postprocess: dict[int, tuple[float, float]]

    @property
    def wall(self) -> float:
        return max(e for _s, e in self.postprocess.values()) - self.first_start

    @property
    def first_start(self) -> float:
        return min(s for s, _e in self.denoise.values())

    def idle_waiting(self) -> float:
        """Seconds before the last denoising began with no denoising but a post-processing."""
        until = max(s for s, _e in self.denoise.values())
        events = sorted(
            [(s, e, "d") for s, e in self.denoise.values()]
            + [(s, e, "p") for s, e in self.postprocess.values()]
        )
        cuts = sorted({t for s, e, _k in events for t in (s, e) if t <= until} | {until})
        idle = 0.0
        for a, b in zip(cuts, cuts[1:], strict=False):
            middle = (a + b) / 2
            active = {k for s, e, k in events if s <= middle < e}
            if active == {"p"}:
                idle += b - a
        return idle

    def overlapped(self) -> bool:
        """Whether some job's denoising started before the previous job's post-processing ended."""
        order = sorted(self.denoise, key=lambda pk: self.denoise[pk][0])
        return any(
            self.denoise[nxt][0] < self.postprocess[prev][1]
            for prev, nxt in zip(order, order[1:], strict=False)
            if prev in self.postprocess
        )


def read_timeline(log_text: str, jobs: set[int] | None = None) -> Timeline:
    """The stage lines of a worker's log (of `jobs` only, if given)."""
    timeline = Timeline({}, {})
    for job, stage, start, end in STAGE_LINE.findall(log_text):
        if jobs is None or int(job) in jobs:
            getattr(timeline, stage)[int(job)] = (float(start), float(end))
    return timeline


def queue_jobs(user, count: int) -> list[Job]:
    """`count` 5-s text-to-video jobs of `user`, points held, all sent to the queue."""
    params = {"mode": "standard", "aspect_ratio": "16:9", "duration_s": 5}
    price = services.price_for(Job.Kind.TEXT_TO_VIDEO, params)
    jobs = []
    for seed in range(count):
        with transaction.atomic():
            job = Job.objects.create(
                user=user,
                kind=Job.Kind.TEXT_TO_VIDEO,
                prompt="a paper boat drifts down a rainy street",
                params={**params, "seed": seed},
                model_spec=settings.GENERATION_MODEL,
                points_held=price,
            )
            ledger.hold(user, price, job.ledger_ref, reason="bench")
        jobs.append(job)
    for job in jobs:
        services.enqueue(job)
    return jobs


def wait_finished(jobs: list[Job], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pks = [job.pk for job in jobs]
    while Job.objects.filter(pk__in=pks, status__in=Job.ACTIVE).exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"jobs {pks} did not finish in {timeout:.0f} s")
        time.sleep(0.2)
    failed = Job.objects.filter(pk__in=pks).exclude(status=Job.Status.SUCCEEDED)
    if failed.exists():
        raise RuntimeError(f"jobs did not succeed: {list(failed.values('pk', 'error_message'))}")


class Command(BaseCommand):
    help = "Share of a worker's wall time spent idle waiting for post-processing (issue 12)."

    def add_arguments(self, parser):
        parser.add_argument("--jobs", type=int, default=10)
        parser.add_argument("--steps", type=int, default=None, help="denoising steps per job")
        parser.add_argument("--timeout", type=float, default=1800)
        parser.add_argument("--rounds", type=int, default=1, help="pairs of runs (off, on)")

    def handle(self, *args, **opts):
        self.stdout.write(" overlap  jobs  wall s  denoise s  post s  idle s  idle %")
        for overlap in ("false", "true") * opts["rounds"]:
            timeline = self.run(overlap, opts)
            denoise = sum(e - s for s, e in timeline.denoise.values())
            post = sum(e - s for s, e in timeline.postprocess.values())
            idle = timeline.idle_waiting()
            self.stdout.write(
                f"{overlap:>8} {len(timeline.denoise):5d} {timeline.wall:7.1f} {denoise:10.1f} "
                f"{post:7.1f} {idle:7.1f} {100 * idle / timeline.wall:7.1f}"
            )
            self.stdout.flush()

    def run(self, overlap: str, opts) -> Timeline:
        User = get_user_model()
        user = User.objects.create(email=f"bench-overlap-{uuid.uuid4().hex[:8]}@example.invalid")
        proc, log_path = self.start_worker(overlap, opts["steps"])
        try:
            ledger.grant(user, 10**8, Lot.Source.PROMOTION, f"bench-overlap:{user.pk}", None, "")
            wait_finished(queue_jobs(user, 1), opts["timeout"])  # loads the model
            jobs = queue_jobs(user, opts["jobs"])
            wait_finished(jobs, opts["timeout"])
            timeline = read_timeline(log_path.read_text(errors="ignore"), {j.pk for j in jobs})
            missing = {job.pk for job in jobs} - set(timeline.postprocess)
            if missing:
                raise RuntimeError(f"no stage lines for jobs {missing}; see {log_path}")
            return timeline
        finally:
            proc.terminate()
            proc.wait(timeout=120)
            for job in Job.objects.filter(user=user):
                for asset in job.assets.all():
                    for stored in (asset.file, asset.marked_file):
                        if stored:
                            stored.storage.delete(stored.name)
            Job.objects.filter(user=user).delete()
            user.delete()

    def start_worker(self, overlap: str, steps):
        env = {**os.environ, "GENERATION_OVERLAP_POSTPROCESS": overlap}
        if steps:
            env["GENERATION_STEPS"] = str(steps)
        return bench_worker.start(f"overlap-{overlap}", env)
