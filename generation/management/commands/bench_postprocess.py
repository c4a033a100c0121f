"""Time the worker's post-processing of one clip: marks, encoding, poster, preview, credentials.

    python manage.py bench_postprocess                       # 150 frames of 1080p, 30 fps
    python manage.py bench_postprocess --hardware-encoder    # NVENC where it opens

Runs generation.postprocess.render_video, the code the worker runs, on a synthetic clip: once
as a free user's job (clean master + visibly marked variant) and once as a member's (clean
master only). Prints the median seconds of each stage over --repeat runs.
"""

from __future__ import annotations

import statistics

from django.core.management.base import BaseCommand
from django.utils import timezone
from PIL import Image

from generation import postprocess
from generation.management.commands.bench_engine import synthetic_clip


class Command(BaseCommand):
    help = "Print per-stage post-processing timings for a synthetic clip (default 150x1080p)."

    def add_arguments(self, parser):
        parser.add_argument("--frames", type=int, default=150)
        parser.add_argument("--width", type=int, default=1920)
        parser.add_argument("--height", type=int, default=1080)
        parser.add_argument("--fps", type=int, default=30)
        parser.add_argument("--repeat", type=int, default=3)
        parser.add_argument("--pictures", type=int, default=4, help="pictures at the same size")
        parser.add_argument("--hardware-encoder", action="store_true", help="NVENC if usable")

    def handle(self, *args, **opts):
        frames = synthetic_clip(opts["frames"], opts["width"], opts["height"])
        self.stdout.write(
            f"{opts['frames']} frames {opts['width']}x{opts['height']} @ {opts['fps']} fps, "
            f"libx264 veryfast crf 23{' (NVENC if usable)' if opts['hardware_encoder'] else ''}; "
            f"median of {opts['repeat']} runs, seconds"
        )
        for label, watermarked in (("free user (clean + marked)", True), ("member (clean)", False)):
            stamp = postprocess.Stamp(1, "bench", timezone.now(), watermarked)
            runs = []
            for _ in range(opts["repeat"]):
                timer = postprocess.Timer()
                outputs = postprocess.render_video(
                    stamp, frames, opts["fps"], hardware=opts["hardware_encoder"], timer=timer
                )
                runs.append(timer.seconds)
            self.report(f"video, {label}", runs, outputs)
        if opts["pictures"]:
            images = [Image.fromarray(frame) for frame in frames[: opts["pictures"]]]
            for label, watermarked in (("free user", True), ("member", False)):
                stamp = postprocess.Stamp(1, "bench", timezone.now(), watermarked)
                runs = []
                for _ in range(opts["repeat"]):
                    timer = postprocess.Timer()
                    outputs = postprocess.render_pictures(stamp, images, timer=timer)
                    runs.append(timer.seconds)
                self.report(f"{len(images)} pictures, {label}", runs, outputs)

    def report(self, title: str, runs: list[dict[str, float]], outputs) -> None:
        self.stdout.write(f"\n{title}")
        totals = []
        for stage in runs[0]:
            seconds = statistics.median(run[stage] for run in runs)
            self.stdout.write(f"  {stage:<28}{seconds:8.3f}")
        totals = [sum(run.values()) for run in runs]
        sizes = ", ".join(
            f"{o.name} {len(o.data) / 1e6:.2f}"
            + (f"/{len(o.marked_data) / 1e6:.2f}" if o.marked_data else "")
            for o in outputs
        )
        self.stdout.write(f"  {'total':<28}{statistics.median(totals):8.3f}")
        self.stdout.write(f"  MB (clean/marked): {sizes}")
