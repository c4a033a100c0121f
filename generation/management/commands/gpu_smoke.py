"""Prove every real architecture runs at full size on one GPU, and measure it (`bin/gpu-smoke`).

    bin/gpu-smoke                 # ltx-video and wan2.1: full size, random weights, bf16, CUDA
    bin/gpu-smoke --budget 0      # no time budget: every professional job too
    bin/gpu-smoke --tiny          # the same code path with the demo specs on the CPU (tests)
    bin/gpu-smoke --dry-run       # the jobs and the seconds the cost model expects, no GPU

Each spec's real architectures are built in code with random weights (the same FLOPs and memory
as the published weights; nothing is downloaded). One job per kind runs through the engine
(`runner.run`) at the spec's real size and a 5-second length with `--steps` denoising steps,
then through the worker's post-processing (marks, MP4, poster, preview, credentials). Printed
per job: seconds per denoising step, peak GPU memory (reset per job), the job's seconds, and
the end-to-end seconds of a 5-s clip at the spec's default steps, extrapolated as
job - load + calls x (default steps - steps) x seconds per step + post-processing.

Standard quality runs first for every spec, then professional, each pipeline's jobs together
(a pipeline is freed before the next is built). A job the `--budget` (seconds since start)
cannot fit, by the spec's cost model scaled by what this GPU measured so far, is skipped and
listed. A job that fails is reported and the command exits non-zero after the others ran.
"""

from __future__ import annotations

import statistics
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from generation.engine.matrix import Cell, cells, grouped_by_checkpoint, request_for
from generation.engine.specs import MODEL_SPECS, get_spec
from generation.engine.types import (
    ADD_SOUND,
    KINDS,
    MODES,
    REFERENCES,
    RESTYLE,
    STORYBOARD,
    TEXT_TO_PICTURE,
)

# What the smoke test proves on a GPU is every pipeline the specs load. A storyboard loads none of
# its own (text to video, then extension calls, both proven here), so it stays out of the time
# budget; its chaining is proven on the CPU (tests/test_engine_matrix.py, test_storyboard_*).
# A reference video loads no pipeline of its own either: on the real specs it runs the VACE
# checkpoint of the extension calls (proven here), its reference photos proven on the CPU
# (tests/test_references_engine.py, the matrix); in the budget it would push a standard cell out.
# A restyle runs text to video's weights (proven here) as a video-to-video view over them; that
# view is proven on the CPU (tests/test_restyle_engine.py, the matrix) and, in the budget, it
# pushed two standard Wan cells out. Sound added to a clip is the same: LTX-2's weights (its
# sound cells, here) as LTX2ConditionPipeline, proven on the CPU (tests/test_add_sound_engine.py).
SMOKE_KINDS = tuple(
    kind for kind in KINDS if kind not in (STORYBOARD, REFERENCES, RESTYLE, ADD_SOUND)
)

REAL_SPECS = ("ltx-video", "wan2.1")
TINY_SPECS = ("tiny", "tiny-wan")
# Budget guesses for what the cost model does not cover: building a pipeline, a job's text
# encoding, and per output pixel x frame its VAE encode and decode and post-processing (about
# 45 s for 81 frames at 1280x720).
BUILD_S = 20
FIXED_S = 10
PER_PIXEL_FRAME_S = 5e-7


class Command(BaseCommand):
    help = "Run one job per kind of every real spec at full size on the GPU; print speed."

    def add_arguments(self, parser):
        parser.add_argument("--tiny", action="store_true", help="the demo specs, on the CPU")
        parser.add_argument("--specs", default=None, help="comma-separated spec ids")
        parser.add_argument("--modes", default=",".join(MODES))
        parser.add_argument("--device", default=None, help="default: cuda (--tiny: cpu)")
        parser.add_argument("--steps", type=int, default=2, help="denoising steps per job")
        parser.add_argument(
            "--duration", type=float, default=None, help="seconds (default 5, --tiny: 1)"
        )
        parser.add_argument(
            "--budget",
            type=float,
            default=None,
            help="seconds; jobs that would not fit are skipped (default 420, --tiny: none)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="print the plan and its expected seconds"
        )

    def handle(self, *args, **opts):
        from generation.engine import loader

        tiny = opts["tiny"]
        spec_ids = opts["specs"].split(",") if opts["specs"] else TINY_SPECS if tiny else REAL_SPECS
        if unknown := set(spec_ids) - set(MODEL_SPECS):
            raise CommandError(f"unknown specs: {', '.join(sorted(unknown))}")
        modes = [m for m in opts["modes"].split(",") if m]
        if unknown := set(modes) - set(MODES):
            raise CommandError(f"unknown modes: {', '.join(sorted(unknown))}")
        if opts["steps"] < 2:
            raise CommandError("--steps must be at least 2 (one step time between two steps)")
        self.tiny = tiny
        self.device = opts["device"] or ("cpu" if tiny else "cuda")
        self.cuda = self.device.startswith("cuda")
        self.dry_run = opts["dry_run"]
        self.simulated = 0.0
        if self.cuda and not self.dry_run:
            import torch

            if not torch.cuda.is_available():
                raise CommandError("no CUDA device here (bin/gpu-smoke --tiny runs on the CPU)")
        self.steps = opts["steps"]
        self.duration = opts["duration"] or (1 if tiny else 5)
        budget = opts["budget"] if opts["budget"] is not None else (0 if tiny else 420)
        self.started = time.perf_counter()
        self.ratios: list[float] = []  # measured / expected seconds of each job so far

        if self.dry_run:
            self.line(f"gpu-smoke plan: {self.steps} steps per job, {self.duration:g}-s clips")
            self.line(f"{'spec':<21}{'kind':<22}{'mode':<14}{'expected s':>11}{'at s':>7}")
        else:
            self.line(self.header())
            self.line(
                f"{'spec':<21}{'kind':<22}{'mode':<14}{'output':<18}{'load':>7}{'s/step':>8}"
                f"{'peak GB':>9}{'job s':>8}{'clip s':>8}  checkpoint"
            )
        plan = self.plan(spec_ids, modes)
        done: dict[tuple, str] = {}  # what ran -> its figures
        loaded, failures, skipped = None, [], []
        for spec, cell in plan:
            checkpoint = cell.checkpoint(spec)
            identity = (checkpoint, cell.kind, cell.end_frame, _size(spec, cell))
            if identity in done:  # the same pipeline at the same size: the same figures
                self.line(
                    f"{spec.id:<21}{cell.label:<22}{cell.mode:<14}{done[identity]} (as above)"
                )
                continue
            if checkpoint != loaded:
                loader.clear_cache()
                self.free_memory()
                loaded = None
            guess = self.guess(spec, cell, build=loaded is None)
            expected = guess * (statistics.median(self.ratios) if self.ratios else 1.0)
            if budget and self.elapsed() + expected > budget:
                skipped.append(f"{spec.id} {cell.label} {cell.mode}")
                continue
            if self.dry_run:
                self.simulated += expected
                done[identity] = f"{expected:11.0f}"
                self.line(
                    f"{spec.id:<21}{cell.label:<22}{cell.mode:<14}{done[identity]}"
                    f"{self.simulated:7.0f}"
                )
                loaded = checkpoint
                continue
            try:
                started = time.perf_counter()
                request = request_for(spec, cell, duration_s=self.duration, steps=self.steps)
                done[identity] = self.run_job(spec, cell, request, checkpoint)
                loaded = checkpoint
                if self.cuda:
                    self.ratios.append((time.perf_counter() - started) / guess)
            except Exception as error:  # report it, free everything, go on with the others
                failures.append(f"{spec.id} {cell.label} {cell.mode}: {error!r}"[:400])
                self.line(f"{spec.id:<21}{cell.label:<22}{cell.mode:<14}FAILED: {error!r}"[:200])
                loader.clear_cache()
                self.free_memory()
                loaded = None
        loader.clear_cache()
        self.line(
            f"total {self.elapsed():.0f} s; clip s: end to end per {self.duration:g}-s clip at "
            f"the default steps (pictures: one picture), extrapolated from {self.steps} steps"
        )
        if skipped:
            self.line(f"skipped (over the {budget:.0f}-s budget): {', '.join(skipped)}")
        if failures:
            raise CommandError("failed: " + "; ".join(failures))

    @staticmethod
    def plan(spec_ids: list[str], modes: list[str]) -> list[tuple]:
        """(spec, cell) in the order they run: each mode in turn, each pipeline's cells
        together; in later modes the checkpoints not run yet first (what is new to prove)."""
        plan, seen = [], set()
        for mode in modes:
            jobs = [
                (spec, cell)
                for spec in map(get_spec, spec_ids)
                for cell in grouped_by_checkpoint(spec, cells(spec, [mode], SMOKE_KINDS))
            ]
            jobs.sort(key=lambda job: job[1].checkpoint(job[0]) in seen)
            seen.update(cell.checkpoint(spec) for spec, cell in jobs)
            plan += jobs
        return plan

    def run_job(self, spec, cell: Cell, request, checkpoint: str) -> str:
        """Run and print the job; returns its figures."""
        from generation.engine import runner

        progress = []
        self.reset_peak()
        started = time.perf_counter()
        result = runner.run(
            request,
            spec=spec,
            device=self.device,
            on_progress=lambda step, total: progress.append(total),
            random_weights=True,
        )
        job_s = time.perf_counter() - started
        post_s = self.post_process(spec, result)
        peak = self.peak_gb()
        timings = result.timings
        per_step = timings["denoise_per_step"]
        # A fixed (distilled) schedule runs its own steps whatever --steps says.
        made = cell.pipeline(spec).steps_for(self.steps)
        calls = max(1, (progress[-1] if progress else made) // made)
        default_steps = cell.pipeline(spec).default_steps
        clip_s = job_s - timings.get("load", 0.0) + calls * (default_steps - made) * per_step
        clip_s += post_s
        if result.frames is not None:
            count, height, width, _ = result.frames.shape
            output = f"{count}x{width}x{height}@{result.fps}"
        else:
            output = f"{len(result.images)}x{result.images[0].width}x{result.images[0].height}"
        peak_text = f"{peak:9.1f}" if peak is not None else f"{'-':>9}"
        figures = (
            f"{output:<18}{timings.get('load', 0.0):7.1f}{per_step:8.2f}{peak_text}"
            f"{job_s:8.1f}{clip_s:8.1f}  {checkpoint}"
        )
        self.line(f"{spec.id:<21}{cell.label:<22}{cell.mode:<14}{figures}")
        return figures

    def post_process(self, spec, result) -> float:
        """The worker's post-processing of the result (execution.render_outputs); seconds."""
        from generation import postprocess

        stamp = postprocess.Stamp(
            job_id=1, model=spec.id, created_at=timezone.now(), watermarked=True
        )
        started = time.perf_counter()
        if result.frames is not None:
            postprocess.render_video(
                stamp, result.frames, result.fps, hardware=settings.VIDEO_HARDWARE_ENCODER
            )
        if result.images:
            postprocess.render_pictures(stamp, result.images)
        return time.perf_counter() - started

    # --- the budget --------------------------------------------------------------------------

    def call_share(self, spec, cell: Cell) -> float:
        """This job's frames over the family's longest call (the cost model's unit)."""
        if cell.kind == TEXT_TO_PICTURE:
            return 1.0
        frames = spec.frames_for(self.duration)[0]
        return min(frames, spec.max_frames) / spec.max_frames

    def guess(self, spec, cell: Cell, build: bool) -> float:
        """Seconds the job should take on an H100 (the spec's cost model per step, the guesses
        above for the rest), before it is scaled by what this machine measured so far."""
        per_step = cell.pipeline(spec).seconds_per_step * self.call_share(spec, cell)
        calls = len(spec.call_plan(cell.kind, self.duration)) if cell.kind != TEXT_TO_PICTURE else 1
        width, height = _size(spec, cell)
        frames = 1 if cell.kind == TEXT_TO_PICTURE else spec.frames_for(self.duration)[0]
        media_s = PER_PIXEL_FRAME_S * width * height * frames * calls
        steps = cell.pipeline(spec).steps_for(self.steps)
        return (BUILD_S if build else 0) + FIXED_S + media_s + calls * steps * per_step

    def elapsed(self) -> float:
        return self.simulated if self.dry_run else time.perf_counter() - self.started

    # --- the device --------------------------------------------------------------------------

    def header(self) -> str:
        import torch

        from generation import media

        what = f"{self.steps} steps per job, {self.duration:g}-s clips, random weights"
        if not self.tiny:
            what += ", full size"
        nvenc = settings.VIDEO_HARDWARE_ENCODER and media.nvenc_available()
        what += f", {'h264_nvenc' if nvenc else 'libx264'}"
        if not self.cuda:
            return f"gpu-smoke on {self.device} (torch {torch.__version__}), {what}"
        props = torch.cuda.get_device_properties(torch.device(self.device))
        return (
            f"gpu-smoke on {props.name} ({props.total_memory / 2**30:.0f} GiB, torch "
            f"{torch.__version__}, CUDA {torch.version.cuda}), bf16, {what}"
        )

    def reset_peak(self) -> None:
        if self.cuda:
            import torch

            torch.cuda.reset_peak_memory_stats(torch.device(self.device))

    def peak_gb(self) -> float | None:
        if not self.cuda:
            return None
        import torch

        return torch.cuda.max_memory_allocated(torch.device(self.device)) / 2**30

    def free_memory(self) -> None:
        import gc

        gc.collect()
        if self.cuda:
            import torch

            torch.cuda.empty_cache()

    def line(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()


def _size(spec, cell: Cell) -> tuple[int, int]:
    return spec.size_for("16:9", cell.mode, kind=cell.kind)
