"""Prints how the prompt screen does on the labelled set, and what each layer costs."""

import statistics
import time

import numpy as np
from django.core.management.base import BaseCommand
from PIL import Image

from generation.engine.types import GenerationResult
from generation.moderation import photos, screening
from generation.moderation.evaluation import LABELLED_PROMPTS, evaluate, load_labelled, markdown


class Command(BaseCommand):
    help = "Screen the labelled prompt set; print outcomes per label and per-layer timings."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(LABELLED_PROMPTS))
        parser.add_argument("--verbose-rows", action="store_true", help="one line per prompt")
        parser.add_argument(
            "--photos", dest="photos_count", type=int, default=20, help="images to time NudeNet on"
        )

    def handle(self, *args, file, verbose_rows, photos_count, **options):
        out = self.stdout.write
        started = time.perf_counter()
        report = evaluate(load_labelled(file))
        total_s = time.perf_counter() - started
        out(f"Labelled prompts: {len(report.rows)} ({file}, with generated disguises)")
        out("")
        for line in markdown(report):
            out(line)
        for row in report.misses():
            out(f"  MISSED: {row.prompt!r}")
        for row in report.minors_not_refused_as_minors():
            out(f"  MINORS NOT REFUSED AS MINORS: {row.outcome} {row.category} {row.prompt!r}")
        for row in report.rows:
            if row.label == "benign" and row.outcome != "allow":
                out(f"  BENIGN {row.outcome.upper()}: {row.layer} {row.category} {row.prompt!r}")
        if verbose_rows:
            out("")
            for r in report.rows:
                out(f"  {r.label:10} {r.outcome:7} {r.layer:9} {r.category:9} {r.prompt[:70]!r}")
        out("")
        out("| layer | mean ms / prompt | p95 ms |")
        out("| --- | ---: | ---: |")
        for name, values in (
            ("blocklist and combined rules (prompt + negative)", [r.words_ms for r in report.rows]),
            ("whole prompt screen (with MiniLM, warm)", [r.total_ms for r in report.rows]),
        ):
            out(f"| {name} | {statistics.mean(values):.2f} | {_p95(values):.2f} |")
        photo_ms = self._time_photos(photos_count)
        if photo_ms:
            out(
                f"| photo (NudeNet, 512×512, warm) | {statistics.mean(photo_ms):.1f} | "
                f"{_p95(photo_ms):.1f} |"
            )
        clip_ms = self._time_output_screen(photos_count)
        if clip_ms:
            out(
                f"| output screen, 41-frame 288×512 clip (8 frames sampled) | "
                f"{statistics.mean(clip_ms):.1f} | {_p95(clip_ms):.1f} |"
            )
        out("")
        out(
            f"Semantic model load + concept embeddings (first use per process): "
            f"{report.model_load_s:.2f} s"
        )
        out(f"Whole run: {total_s:.1f} s")

    def _time_photos(self, count: int) -> list[float]:
        if count <= 0:
            return []
        rng = np.random.default_rng(0)
        photos.detect(Image.new("RGB", (512, 512), (128, 128, 128)))  # loads the detector
        timings = []
        for _ in range(count):
            image = Image.fromarray(rng.integers(0, 255, (512, 512, 3), dtype=np.uint8))
            started = time.perf_counter()
            photos.detect(image)
            timings.append((time.perf_counter() - started) * 1000)
        return timings

    def _time_output_screen(self, count: int) -> list[float]:
        if count <= 0:
            return []
        rng = np.random.default_rng(1)
        timings = []
        for _ in range(max(1, count // 4)):
            frames = rng.integers(0, 255, (41, 512, 288, 3), dtype=np.uint8)
            started = time.perf_counter()
            screening.screen_result(GenerationResult(frames=frames, fps=8))
            timings.append((time.perf_counter() - started) * 1000)
        return timings


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
