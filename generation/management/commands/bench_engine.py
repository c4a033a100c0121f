"""Time the generation engine stage by stage, and the post-processing of a 1080p clip.

    python manage.py bench_engine                      # the tiny demo model on this machine
    python manage.py bench_engine --spec ltx-video --random-weights --device cuda --steps 8
    python manage.py bench_engine --spec wan2.1 --random-weights --layers 1 --matrix \
        --size 320x192 --duration 1 --steps 1 --skip-1080p     # every cell, on a CPU

For each kind: the cold load, then a warm run split into denoise (per step), decode and
post-process, followed by encode (MP4 or PNG), poster + preview, and store (through a Django
storage: a temporary FileSystemStorage unless --real-storage). Finally a synthetic 150-frame
1920x1080 clip is watermarked, given a poster and preview, encoded and stored.

`--matrix` runs every cell once instead: each kind at standard and professional quality, image
to video with and without an end frame where the spec takes one (`engine.matrix`), the cells
of one checkpoint together, each pipeline freed once its cells are done. `--layers` and
`--width-divisor` build the real architectures reduced (`architectures.reduce`); `--size`
replaces the spec's sizes.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import numpy as np
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management.base import BaseCommand, CommandError
from PIL import Image

from generation import media, soundtrack
from generation.engine.matrix import (
    cells,
    grouped_by_checkpoint,
    reference_photos,
    request_for,
    storyboard_shots,
)
from generation.engine.specs import MODEL_SPECS, get_spec
from generation.engine.speed import CHOICES, DEFAULT
from generation.engine.types import (
    EXTEND,
    IMAGE_TO_VIDEO,
    KINDS,
    REFERENCES,
    RESTYLE,
    STORYBOARD,
    TEXT_TO_PICTURE,
    TEXT_TO_VIDEO,
    GenerationRequest,
)

PROMPT = "an old photo of my grandmother smiling in her garden"


class Command(BaseCommand):
    help = "Print per-stage generation timings (load, denoise, decode, post, encode, store)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--spec",
            default="tiny",
            type=_spec_name,
            help=f"{', '.join(sorted(MODEL_SPECS))}; <spec>+<picture model> (e.g. tiny+kolors)",
        )
        parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda if any)")
        parser.add_argument(
            "--random-weights",
            action="store_true",
            help="build the real architecture with random weights (no download)",
        )
        parser.add_argument(
            "--layers", type=int, default=None, help="random weights: layers per stack"
        )
        parser.add_argument(
            "--width-divisor", type=int, default=1, help="random weights: divide the widths"
        )
        parser.add_argument("--size", type=_size, default=None, help="WxH instead of the spec's")
        parser.add_argument(
            "--matrix", action="store_true", help="every kind x mode (x end frame) once"
        )
        parser.add_argument("--steps", type=int, default=None, help="denoising steps per run")
        parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated kinds")
        parser.add_argument("--aspect", default="16:9")
        parser.add_argument("--mode", default="standard")
        parser.add_argument("--duration", type=float, default=5)
        parser.add_argument("--repeat", type=int, default=3, help="warm runs per kind (median)")
        parser.add_argument("--model-dir", default=None)
        parser.add_argument(
            "--memory-plan",
            default=None,
            choices=("resident", "swap", "offload", "stream"),
            help="one memory mode for every pipeline (default: the spec's plan for this GPU)",
        )
        parser.add_argument(
            "--gpu-memory-gb", type=float, default=None, help="plan for this much GPU memory"
        )
        add_speed_arguments(parser)
        parser.add_argument("--hardware-encoder", action="store_true", help="NVENC if usable")
        parser.add_argument(
            "--real-storage",
            action="store_true",
            help="store through the configured default storage (under bench/)",
        )
        parser.add_argument("--skip-1080p", action="store_true")
        parser.add_argument("--only-1080p", action="store_true")

    def handle(self, *args, **opts):
        kinds = [k.strip() for k in opts["kinds"].split(",") if k.strip()]
        if unknown := set(kinds) - set(KINDS):
            raise CommandError(f"unknown kinds: {', '.join(sorted(unknown))}")
        self.opts = opts
        with tempfile.TemporaryDirectory(prefix="bench-media-") as folder:
            self.storage = default_storage if opts["real_storage"] else FileSystemStorage(folder)
            self.written: list[str] = []
            try:
                if opts["matrix"] and not opts["only_1080p"]:
                    self.bench_matrix(kinds)
                elif not opts["only_1080p"]:
                    self.bench_engine(kinds)
                if not opts["skip_1080p"]:
                    self.bench_1080p()
            finally:
                for name in self.written:
                    self.storage.delete(name)

    # --- the model -------------------------------------------------------------------------

    def load_options(self) -> dict:
        """The loader options asked for (those left at their defaults are not passed)."""
        defaults = {
            "random_weights": False,
            "memory_plan": None,
            "gpu_memory_gb": None,
            "step_cache": "default",
            "compile": "default",
            "precision": "default",
            "model_dir": None,
            "layers": None,
            "width_divisor": 1,
        }
        return {key: self.opts[key] for key, value in defaults.items() if self.opts[key] != value}

    def describe(self, spec, device: str) -> str:
        text = f"spec {spec.id} on {device}"
        if self.opts["random_weights"]:
            reduced = [
                f"{self.opts['layers']} layers per stack" if self.opts["layers"] else "",
                f"widths / {self.opts['width_divisor']}" if self.opts["width_divisor"] > 1 else "",
            ]
            text += f" (random weights{''.join(', ' + r for r in reduced if r)})"
        if self.opts["size"]:
            text += " at {}x{}".format(*self.opts["size"])
        return text

    def bench_engine(self, kinds: list[str]) -> None:
        from generation.engine import runner
        from generation.engine.loader import resolve_device

        spec = get_spec(self.opts["spec"])
        device = resolve_device(self.opts["device"])
        load_options = self.load_options()
        self.line(self.describe(spec, device))
        self.header()
        source = None
        for kind in [k for k in KINDS if k in kinds and k in spec.kinds]:
            request = self.request(spec, kind, source)
            started = time.perf_counter()
            cold = runner.run(request, spec=spec, device=device, **load_options)
            cold_total = time.perf_counter() - started
            warm = [
                runner.run(request, spec=spec, device=device, **load_options)
                for _ in range(self.opts["repeat"])
            ]
            result = warm[-1] if warm else cold
            if kind == TEXT_TO_VIDEO:
                source = result.frames
            media_times = self.bench_outputs(kind, result)
            timings = {
                key: statistics.median(r.timings[key] for r in warm or [cold])
                for key in ("denoise", "denoise_per_step", "decode", "post", "total")
            }
            self.row(kind, result, cold.timings["load"], cold_total, timings, media_times)
            finishing = [k for k in ("upscale", "retime") if k in result.timings]
            if finishing:  # part of "post": the mode's output size and frame rate
                self.line(
                    "  of which "
                    + ", ".join(
                        f"{k} {statistics.median(r.timings[k] for r in warm or [cold]):.2f}"
                        for k in finishing
                    )
                )

    def bench_matrix(self, kinds: list[str]) -> None:
        """Every cell once, cold: the cells of one checkpoint together, then it is freed."""
        import gc

        from generation.engine import loader, runner

        spec = get_spec(self.opts["spec"])
        device = loader.resolve_device(self.opts["device"])
        load_options = self.load_options()
        self.line(self.describe(spec, device) + ", every cell once")
        self.header(first="cell", width=32, note="(seconds; one run per cell)")
        loaded = None
        for cell in grouped_by_checkpoint(spec, cells(spec, kinds=kinds)):
            checkpoint = cell.checkpoint(spec)
            if loaded not in (None, checkpoint):
                loader.clear_cache()
                gc.collect()
            loaded = checkpoint
            request = request_for(
                spec,
                cell,
                size=self.opts["size"],
                aspect=self.opts["aspect"],
                duration_s=self.opts["duration"],
                steps=self.opts["steps"],
            )
            started = time.perf_counter()
            result = runner.run(request, spec=spec, device=device, **load_options)
            total = time.perf_counter() - started
            media_times = self.bench_outputs(cell.kind, result, request)
            label = f"{cell.label} {cell.mode}"
            load = result.timings.get("load", 0.0)
            self.row(label, result, load, total, result.timings, media_times, column=32)
        loader.clear_cache()

    def request(self, spec, kind: str, source) -> GenerationRequest:
        width, height = self.opts["size"] or spec.size_for(self.opts["aspect"], self.opts["mode"])
        image = None
        if kind == IMAGE_TO_VIDEO:
            y, x = np.mgrid[0:height, 0:width]
            pattern = (((y // 64 + x // 64) % 2) * 200 + 30).astype(np.uint8)
            image = Image.fromarray(
                np.stack([pattern, x * 255 // width, y * 255 // height], -1).astype(np.uint8)
            )
        if kind in (EXTEND, RESTYLE) and source is None:
            source = np.zeros(
                (spec.frames_for(self.opts["duration"])[0], height, width, 3), np.uint8
            )
        return GenerationRequest(
            kind=kind,
            prompt=PROMPT,
            aspect_ratio=self.opts["aspect"],
            mode=self.opts["mode"],
            duration_s=self.opts["duration"],
            seed=42,
            image=image,
            source_frames=source if kind in (EXTEND, RESTYLE) else None,
            source_fps=spec.fps,
            num_images=4 if kind == TEXT_TO_PICTURE else 1,
            num_inference_steps=self.opts["steps"],
            size=self.opts["size"],
            shots=storyboard_shots(self.opts["duration"] / 2) if kind == STORYBOARD else [],
            references=reference_photos(width, height) if kind == REFERENCES else [],
        )

    def bench_outputs(self, kind: str, result, request=None) -> dict[str, float]:
        """Encode, poster + preview, and store the result's files; seconds per stage. Sound
        added to a clip: the clip (written first, untimed) remuxed with the new AAC track."""
        t0 = time.perf_counter()
        if result.frames is None and result.audio is not None:
            files, t0 = self.remux_with_sound(request, result)
            t1 = time.perf_counter()
            files["poster.jpg"] = media.make_poster(request.source_frames[0])
            t2 = time.perf_counter()
        elif kind == TEXT_TO_PICTURE:
            files = {
                f"picture-{i}.png": media.image_to_png(im) for i, im in enumerate(result.images)
            }
            t1 = t2 = time.perf_counter()
        else:
            files = {
                "video.mp4": media.encode_mp4(
                    result.frames,
                    result.fps,
                    hardware=self.opts["hardware_encoder"],
                    soundtrack=soundtrack.from_result(result),  # AAC for clips with sound
                )
            }
            t1 = time.perf_counter()
            files["poster.jpg"] = media.make_poster(result.frames[0])
            files["preview.webp"] = media.make_preview(result.frames, result.fps)
            t2 = time.perf_counter()
        self.store(kind, files)
        return {"encode": t1 - t0, "poster": t2 - t1, "store": time.perf_counter() - t2}

    def remux_with_sound(self, request, result) -> tuple[dict[str, bytes], float]:
        """The request's clip as an MP4, then (timed from the returned start) with the result's
        soundtrack added by stream copy, as the worker does (mp4_join.add_soundtrack)."""
        import tempfile

        from generation import mp4_join

        with tempfile.TemporaryDirectory(prefix="bench-sound-") as folder:
            source, out = f"{folder}/source.mp4", f"{folder}/video.mp4"
            media.write_mp4(request.source_frames, request.source_fps, source)
            started = time.perf_counter()
            mp4_join.add_soundtrack(source, soundtrack.from_result(result), out)
            with open(out, "rb") as f:
                return {"video.mp4": f.read()}, started

    def store(self, prefix: str, files: dict[str, bytes]) -> None:
        for name, data in files.items():
            self.written.append(self.storage.save(f"bench/{prefix}-{name}", ContentFile(data)))

    # --- post-processing a 1080p clip ----------------------------------------------------------

    def bench_1080p(self) -> None:
        frames = synthetic_clip(150, 1920, 1080)
        logo = Image.new("RGBA", (240, 80), (255, 255, 255, 200))
        self.line("")
        self.line("synthetic clip: 150 frames, 1920x1080, 30 fps (libx264 veryfast crf 23)")
        stages = {}
        t = time.perf_counter()
        marked = media.add_logo(frames, logo)
        stages["watermark"] = time.perf_counter() - t
        t = time.perf_counter()
        files = {
            "poster.jpg": media.make_poster(marked[0]),
            "preview.webp": media.make_preview(marked, 30),
        }
        stages["poster + preview"] = time.perf_counter() - t
        t = time.perf_counter()
        files["video.mp4"] = media.encode_mp4(marked, 30, hardware=self.opts["hardware_encoder"])
        stages["encode"] = time.perf_counter() - t
        t = time.perf_counter()
        self.store("1080p", files)
        stages["store"] = time.perf_counter() - t
        for name, seconds in stages.items():
            self.line(f"  {name:<18}{seconds:8.2f} s")
        self.line(
            f"  {'total':<18}{sum(stages.values()):8.2f} s   "
            f"(mp4 {len(files['video.mp4']) / 1e6:.1f} MB)"
        )

    # --- output ------------------------------------------------------------------------------

    def header(self, first="kind", width=16, note="(seconds; warm = median of runs)") -> None:
        self.line(
            f"{first:<{width}}{'output':<18}{'load':>8}{'cold':>8}{'denoise':>9}"
            f"{'/step':>8}{'decode':>8}{'post':>7}{'total':>8}{'encode':>8}"
            f"{'poster':>8}{'store':>7}  {note}"
        )

    def row(self, kind, result, load, cold_total, timings, media_times, column=16) -> None:
        if result.frames is not None:
            count, height, width, _ = result.frames.shape
            output = f"{count}x{width}x{height}@{result.fps}"
        elif result.audio is not None:  # sound added to a clip
            output = f"{result.audio.shape[1] / result.sample_rate:.3f} s audio"
        else:
            output = f"{len(result.images)}x{result.images[0].width}x{result.images[0].height}"
        self.line(
            f"{kind:<{column}}{output:<18}{load:8.2f}{cold_total:8.2f}{timings['denoise']:9.3f}"
            f"{timings['denoise_per_step']:8.3f}{timings['decode']:8.3f}{timings['post']:7.3f}"
            f"{timings['total']:8.2f}{media_times['encode']:8.3f}{media_times['poster']:8.3f}"
            f"{media_times['store']:7.3f}"
        )

    def line(self, text: str) -> None:
        self.stdout.write(text)


def add_speed_arguments(parser) -> None:
    """--step-cache, --compile, --precision: the speed options, as the worker's settings."""
    for name, choices in CHOICES.items():
        parser.add_argument(
            "--" + name.replace("_", "-"),
            default=DEFAULT,
            choices=(DEFAULT, *choices),
            help="speed option (generation/engine/speed.py); default: the spec's",
        )


def _spec_name(value: str) -> str:
    """A spec id, or one with another picture model ("ltx-video+kolors")."""
    try:
        return get_spec(value).id
    except KeyError as exc:
        raise argparse.ArgumentTypeError(exc.args[0]) from None


def _size(text: str) -> tuple[int, int]:
    """'832x480' -> (832, 480)."""
    try:
        width, height = (int(side) for side in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT") from None
    return width, height


def synthetic_clip(count: int, width: int, height: int) -> np.ndarray:
    """A moving colour gradient with a little noise: closer to camera footage than flat colour."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    frames = np.empty((count, height, width, 3), np.uint8)
    noise = rng.integers(0, 12, (height, width), dtype=np.uint8)
    for i in range(count):
        frames[i, ..., 0] = ((x + 8 * i) % width) * 255 / width
        frames[i, ..., 1] = ((y + 4 * i) % height) * 255 / height
        frames[i, ..., 2] = 128 + 64 * np.sin((x + y + 10 * i) / 90)
    frames += noise[None, ..., None]
    return frames
