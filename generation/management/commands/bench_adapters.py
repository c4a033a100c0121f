"""What switching effects' LoRA adapters costs on a warm pipeline (generation/engine/adapters.py).

    python manage.py bench_adapters                                     # the tiny demo model
    python manage.py bench_adapters --spec ltx-video --random-weights --layers 1   # full width

Two random LoRAs (rank `--rank` on the attention layers, made with peft on the pipeline's own
transformer class) are switched on the image to video pipeline, which is loaded once first. It
prints the median seconds of: loading an adapter not yet in the pipeline, switching to one
already loaded (`set_adapters`), turning LoRA off, and evicting one to load another when the
slots are full; then seconds per denoising step without and with an adapter active.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from generation.engine import adapters, loader, runner
from generation.engine.specs import MODEL_SPECS, get_spec
from generation.engine.types import IMAGE_TO_VIDEO, Adapter, GenerationRequest

from .bench_engine import PROMPT, _size


class Command(BaseCommand):
    help = "Seconds to load, switch, disable and evict LoRA adapters on a warm pipeline."

    def add_arguments(self, parser):
        parser.add_argument("--spec", default="tiny", choices=sorted(MODEL_SPECS))
        parser.add_argument("--device", default=None)
        parser.add_argument("--random-weights", action="store_true")
        parser.add_argument("--layers", type=int, default=None)
        parser.add_argument("--width-divisor", type=int, default=1)
        parser.add_argument("--rank", type=int, default=16)
        parser.add_argument("--repeats", type=int, default=5)
        parser.add_argument(
            "--size",
            type=_size,
            default=None,
            help="WxH of the denoising runs (default: "
            "the spec's 16:9 size for the demo, 320x192 otherwise)",
        )
        parser.add_argument("--steps", type=int, default=3)

    def handle(self, *args, **o):
        from PIL import Image

        spec = get_spec(o["spec"])
        if not spec.is_demo and not o["random_weights"]:
            raise CommandError("real checkpoints need --random-weights here (no download)")
        options = loader.LoadOptions(
            random_weights=o["random_weights"],
            layers=o["layers"],
            width_divisor=o["width_divisor"],
            adapter_slots=2,
        )
        device = loader.resolve_device(o["device"])
        started = time.perf_counter()
        pipe = loader.get_pipeline(spec, IMAGE_TO_VIDEO, device, options=options)
        self.stdout.write(f"pipeline loaded in {time.perf_counter() - started:.1f} s ({device})")
        folder = Path(tempfile.mkdtemp(prefix="bench-adapters-"))
        made = []
        for n in range(3):
            path = folder / f"lora{n}.safetensors"
            adapters.save_random_lora(pipe.transformer, path, seed=n, rank=o["rank"])
            made.append(Adapter(f"bench{n}", str(path), 1.0))
        mb = Path(made[0].path).stat().st_size / 1e6
        self.stdout.write(f"{spec.id}: rank {o['rank']} on attention, {mb:.1f} MB per adapter")

        def timed(adapter, slots=2):
            began = time.perf_counter()
            adapters.apply(pipe, adapter, slots)
            return time.perf_counter() - began

        figures = {"load (cold)": [], "switch (loaded)": [], "off": [], "evict + load": []}
        for _ in range(o["repeats"]):
            for adapter in list(adapters.loaded(pipe)):
                pipe.delete_adapters(adapter)
            adapters._LOADED.pop(pipe, None)
            figures["load (cold)"].append(timed(made[0]))
            timed(made[1])
            figures["switch (loaded)"].append(timed(made[0]))
            figures["off"].append(timed(None))
            figures["evict + load"].append(timed(made[2]))  # slots full: bench1 goes
        for name, values in figures.items():
            self.stdout.write(f"  {name:<16} median {statistics.median(values) * 1000:8.1f} ms")

        size = o["size"] or (spec.size_for("16:9") if spec.is_demo else (320, 192))
        photo = Image.new("RGB", size, (180, 140, 100))
        per_step = {"no adapter": [], "with adapter": []}
        # Alternated, after one warm-up each: a busy host slows both alike.
        for round_ in range(o["repeats"] // 2 + 2):
            for label, adapter in (("no adapter", None), ("with adapter", made[0])):
                request = GenerationRequest(
                    kind=IMAGE_TO_VIDEO,
                    prompt=PROMPT,
                    image=photo,
                    duration_s=1,
                    size=size,
                    num_inference_steps=o["steps"],
                    adapter=adapter,
                )
                result = runner.run(request, spec=spec, device=device, options=options)
                if round_:
                    per_step[label].append(result.timings["denoise_per_step"])
        for label, values in per_step.items():
            self.stdout.write(
                f"  denoise {label:<13} median {statistics.median(values):.3f} s/step "
                f"at {size[0]}x{size[1]} ({len(values)} runs)"
            )
