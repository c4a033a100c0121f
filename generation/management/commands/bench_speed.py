"""What each speed option (generation/engine/speed.py) buys, and what it costs in fidelity.

    python manage.py bench_speed                                   # the tiny demo model
    python manage.py bench_speed --spec wan2.1 --random-weights --layers 4 \\
        --size 320x192 --duration 1 --steps 20                     # real width, reduced depth
    python manage.py bench_speed --spec ltx-video --device cuda --steps 30   # on a GPU

Every configuration generates the same request with the same seed, after one warm-up run
(which also pays for `torch.compile`). For each it prints the median seconds per denoising
step, the speed-up over everything off, and the PSNR of its frames against the frames made
with everything off (higher is closer; "inf" is identical). An option the model or the
hardware cannot take (fp8 on a CPU) is listed as not applied, with no figures.
"""

from __future__ import annotations

import gc
import statistics

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from generation.engine.specs import MODEL_SPECS, get_spec
from generation.engine.speed import CHOICES, OFF, fp8_supported
from generation.engine.types import TEXT_TO_VIDEO, GenerationRequest

from .bench_engine import PROMPT, _size

BASELINE = dict.fromkeys(CHOICES, OFF)


def configurations(names=tuple(CHOICES)) -> list[tuple[str, dict[str, str]]]:
    """Everything off, then each choice of each named option on its own."""
    found = [("all off", BASELINE)]
    for name in names:
        for choice in CHOICES[name]:
            if choice != OFF:
                found.append((f"{name}={choice}", {**BASELINE, name: choice}))
    return found


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB of two uint8 frame stacks; inf when identical."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


class Command(BaseCommand):
    help = "Seconds per step and PSNR for each speed option, against everything off."

    def add_arguments(self, parser):
        parser.add_argument("--spec", default="tiny", choices=sorted(MODEL_SPECS))
        parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda if any)")
        parser.add_argument("--random-weights", action="store_true")
        parser.add_argument("--layers", type=int, default=None)
        parser.add_argument("--width-divisor", type=int, default=1)
        parser.add_argument("--size", type=_size, default=None, help="WxH instead of the spec's")
        parser.add_argument("--duration", type=float, default=5)
        parser.add_argument("--steps", type=int, default=30, help="denoising steps per run")
        parser.add_argument("--repeat", type=int, default=2, help="timed runs (median)")
        parser.add_argument("--model-dir", default=None)
        parser.add_argument(
            "--options",
            default=",".join(CHOICES),
            help="comma-separated options to try (default: " + ",".join(CHOICES) + ")",
        )

    def handle(self, *args, **opts):
        from generation.engine import loader, runner

        names = [n.strip() for n in opts["options"].split(",") if n.strip()]
        if unknown := set(names) - set(CHOICES):
            raise CommandError(f"unknown options: {', '.join(sorted(unknown))}")
        spec = get_spec(opts["spec"])
        device = loader.resolve_device(opts["device"])
        load = {
            "random_weights": opts["random_weights"],
            "layers": opts["layers"],
            "width_divisor": opts["width_divisor"],
            "model_dir": opts["model_dir"],
        }
        request = GenerationRequest(
            kind=TEXT_TO_VIDEO,
            prompt=PROMPT,
            aspect_ratio="16:9",
            duration_s=opts["duration"],
            seed=42,
            num_inference_steps=opts["steps"],
            size=opts["size"],
        )
        self.stdout.write(
            f"spec {spec.id} on {device}, {opts['steps']} steps, {opts['duration']} s"
            + (" at {}x{}".format(*opts["size"]) if opts["size"] else "")
            + (", random weights" if opts["random_weights"] else "")
            + (f", {opts['layers']} layers per stack" if opts["layers"] else "")
        )
        self.stdout.write(f"{'option':<24}{'s/step':>10}{'speed-up':>10}{'PSNR dB':>10}")
        reference = base_step = None
        for label, chosen in configurations(names):
            if chosen["precision"] == "fp8" and not fp8_supported(device):
                self.stdout.write(f"{label:<24}{'not applied (needs FP8 hardware)':>30}")
                continue
            loader.clear_cache()
            gc.collect()
            options = loader.LoadOptions(**load, **chosen)
            runner.run(request, spec=spec, device=device, options=options)  # warm-up, compile
            runs = [
                runner.run(request, spec=spec, device=device, options=options)
                for _ in range(max(opts["repeat"], 1))
            ]
            per_step = statistics.median(r.timings["denoise_per_step"] for r in runs)
            frames = runs[-1].frames
            if reference is None:
                reference, base_step = frames, per_step
            self.stdout.write(
                f"{label:<24}{per_step:>10.4f}{base_step / per_step:>9.2f}x"
                f"{psnr(frames, reference):>10.1f}"
            )
        loader.clear_cache()
