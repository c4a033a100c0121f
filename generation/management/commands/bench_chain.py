"""Memory of a long extension chain on a real worker: a first 5-s clip, then 5-s extensions of
the last result until the video is --seconds long (MAX_CHAIN_SECONDS is 180).

    python manage.py bench_chain --seconds 180 --steps 2

Starts one `celery worker` process (the configured broker and model, the tiny one by default;
--steps sets GENERATION_STEPS for it) and runs every link as the site does (a bench user's job,
points held, enqueued), watermarked as a free user's, so both variants are made. For each link
it prints the pool process's peak RSS while it ran that link: the kernel's high-water mark
(VmHWM in /proc/PID/status), reset before the link by writing 5 to /proc/PID/clear_refs. At
the end: the last extension's peak over the first's, and whether every packet of the first clip
is byte-identical in the final file. The bench user, its jobs, files and ledger are deleted.
Linux only (/proc).
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import av
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from billing import ledger
from billing.models import Lot
from generation import services
from generation.management import bench_worker
from generation.models import Job

LINK_SECONDS = 5


@dataclass
class Link:
    job: Job
    video_seconds: float
    peak_rss: int  # bytes, the pool process's high-water mark during this link
    wall_s: float
    size_bytes: int


def pool_processes(worker_pid: int) -> list[int]:
    """The pool processes (children) of the celery worker whose main process is `worker_pid`."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # "pid (comm) state ppid ...": comm may hold spaces, so split after its ")".
            if int(stat.rsplit(")", 1)[1].split()[1]) == worker_pid:
                children.append(int(entry.name))
    return children


def reset_peak(pids: list[int]) -> None:
    for pid in pids:
        Path(f"/proc/{pid}/clear_refs").write_text("5")


def peak_rss(pids: list[int]) -> int:
    """The largest VmHWM (bytes) of `pids`."""
    peaks = [0]
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) * 1024)
    return max(peaks)


def run_link(user, worker_pid: int, source: Job | None, timeout: float) -> Link:
    """One job of the chain (text to video, or an extension of `source`) on the worker."""
    kind = Job.Kind.EXTEND if source is not None else Job.Kind.TEXT_TO_VIDEO
    params = {
        "mode": "standard",
        "aspect_ratio": "16:9",
        "duration_s": LINK_SECONDS,
        "seed": source.pk if source else 1,
    }
    price = services.price_for(kind, params)
    with transaction.atomic():
        job = Job.objects.create(
            user=user,
            kind=kind,
            prompt="a paper boat drifts down a rainy street",
            params=params,
            source_job=source,
            model_spec=settings.GENERATION_MODEL,
            points_held=price,
            watermarked=True,
        )
        ledger.hold(user, price, job.ledger_ref, reason="bench")
    pids = pool_processes(worker_pid)
    reset_peak(pids)
    started = time.monotonic()
    services.enqueue(job)
    while Job.objects.filter(pk=job.pk, status__in=Job.ACTIVE).exists():
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"job {job.pk} did not finish in {timeout:.0f} s")
        time.sleep(0.2)
    wall = time.monotonic() - started
    job.refresh_from_db()
    if job.status != Job.Status.SUCCEEDED:
        raise RuntimeError(f"job {job.pk} {job.status}: {job.error_message}")
    video = job.video
    return Link(job, video.duration_s, peak_rss(pool_processes(worker_pid)), wall, video.size_bytes)


def build_chain(user, worker_pid: int, seconds: float, on_link=None, timeout=900) -> list[Link]:
    """A first clip and extensions of it until the video is at least `seconds` long."""
    links = [run_link(user, worker_pid, None, timeout)]
    while links[-1].video_seconds < seconds:
        links.append(run_link(user, worker_pid, links[-1].job, timeout))
        if on_link is not None:
            on_link(links[-1])
    return links


def packets(field) -> list[bytes]:
    """Every video packet's bytes of a stored MP4, in file order."""
    with field.open("rb") as stored, av.open(stored) as container:
        stream = container.streams.video[0]
        return [bytes(p) for p in container.demux(stream) if p.dts is not None]


def first_clip_kept(links: list[Link]) -> bool:
    """Whether every packet of the first clip, clean and marked, leads the final file."""
    first, last = links[0].job.video, links[-1].job.video
    return all(
        packets(final)[: len(packets(original))] == packets(original)
        for original, final in ((first.file, last.file), (first.marked_file, last.marked_file))
    )


class Command(BaseCommand):
    help = "Peak worker memory per link of a long extension chain (issue 12, point 2)."

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=float, default=180)
        parser.add_argument("--steps", type=int, default=None, help="denoising steps per call")

    def handle(self, *args, **opts):
        User = get_user_model()
        user = User.objects.create(email=f"bench-chain-{uuid.uuid4().hex[:8]}@example.invalid")
        worker = self.start_worker(opts["steps"])
        try:
            ledger.grant(user, 10**8, Lot.Source.PROMOTION, f"bench-chain:{user.pk}", None, "bench")
            self.stdout.write(" link  job  video s  size MB  wall s  peak RSS MB")
            links = build_chain(user, worker.pid, opts["seconds"], on_link=self.report)
            self.report(links[0])
            extensions = links[1:]
            ratio = extensions[-1].peak_rss / extensions[0].peak_rss
            self.stdout.write(
                f"first extension {extensions[0].peak_rss / 2**20:.0f} MB, last "
                f"{extensions[-1].peak_rss / 2**20:.0f} MB: ratio {ratio:.3f}; "
                f"largest of all extensions {max(x.peak_rss for x in extensions) / 2**20:.0f} MB"
            )
            self.stdout.write(f"first clip's packets byte-identical: {first_clip_kept(links)}")
        finally:
            worker.terminate()
            worker.wait(timeout=60)
            for job in Job.objects.filter(user=user):
                for asset in job.assets.all():
                    for stored in (asset.file, asset.marked_file):
                        if stored:
                            stored.storage.delete(stored.name)
            Job.objects.filter(user=user).delete()
            user.delete()

    def report(self, link: Link) -> None:
        self.stdout.write(
            f"{link.job.kind[:4]:>5} {link.job.pk:4d} {link.video_seconds:8.1f} "
            f"{link.size_bytes / 1e6:8.1f} {link.wall_s:7.1f} {link.peak_rss / 2**20:12.0f}"
        )
        self.stdout.flush()

    def start_worker(self, steps):
        env = dict(os.environ)
        if steps:
            env["GENERATION_STEPS"] = f"text_to_video={steps},extend={steps}"
        return bench_worker.start("chain", env)[0]
