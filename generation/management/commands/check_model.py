"""Check a spec's checkpoint folders and print the memory plan for the GPUs it will run on.

    python manage.py check_model ltx-video --gpu-memory 24,80 --host-memory 64
    python manage.py check_model wan2.1 --plan-only --gpu-memory 80     # before fetching

Per checkpoint: each component's stored and GPU dtype and size (borrowed components point at
their source); per pipeline: its weights, own plus borrowed; then `memory.plan` for each GPU
size. Exits non-zero naming every file that is missing or damaged (paths relative to the model
folder), or when a plan does not fit. The file checks read safetensors headers only and need
neither torch nor a GPU; `--plan-only` skips them and counts the sizes from the architectures
(imports torch, builds on the meta device).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from generation.engine import checkpoints
from generation.management.commands.fetch_model import human_size, resolve_model_dir, resolve_spec

GiB = 1 << 30
STORED_NAMES = {"BF16": "bf16", "F16": "fp16", "F32": "fp32", "F64": "fp64"}
LOAD_NAMES = {"bfloat16": "bf16", "float16": "fp16", "float32": "fp32"}
HEADER = f"  {'component':<18}{'stored':<11}{'load':<6}{'params':>9}{'size':>13}"


def count(numel: int) -> str:
    return f"{numel / 1e9:.2f}B" if numel >= 1e8 else f"{numel / 1e6:.2f}M"


def parse_gib(value: str, option: str) -> list[int]:
    try:
        sizes = [float(part) for part in value.split(",") if part.strip()]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) <= 0:
        raise CommandError(f"{option} takes sizes in GiB, e.g. 24 or 24,80 (got {value!r})")
    return [int(size * GiB) for size in sizes]


class Command(BaseCommand):
    help = "Check a model spec's checkpoint files and print its memory plan per GPU size."

    def add_arguments(self, parser):
        parser.add_argument("spec", help="a model spec (generation/engine/specs.py)")
        parser.add_argument("--model-dir", help="default: GENERATION_MODEL_DIR")
        parser.add_argument("--gpu-memory", help="GPU sizes to plan for, in GiB: 24 or 24,48,80")
        parser.add_argument("--host-memory", help="host memory for parked pipelines, in GiB")
        parser.add_argument(
            "--plan-only",
            action="store_true",
            help="skip the file checks; plan from the architectures' sizes (imports torch)",
        )

    def handle(self, *args, spec, model_dir, gpu_memory, host_memory, plan_only, **options):
        spec = resolve_spec(spec)
        gpus = parse_gib(gpu_memory, "--gpu-memory") if gpu_memory else []
        host = parse_gib(host_memory, "--host-memory")[0] if host_memory else None
        if plan_only:
            if not gpus:
                raise CommandError("--plan-only needs --gpu-memory")
            from generation.engine import memory

            sizes = memory.expected_sizes(spec.id)
            self.stdout.write(f"{spec.id}: sizes from the architectures (no files read)")
        else:
            inspection = checkpoints.inspect(spec, resolve_model_dir(model_dir))
            self.print_components(inspection)
            sizes = inspection.sizes()
        self.print_pipelines(spec, sizes)
        if not plan_only and inspection.problems:
            self.stdout.write(self.style.ERROR("Missing or damaged:"))
            for problem in inspection.problems:
                self.stdout.write(f"  {problem}")
            hint = (
                "a demo spec: workers build it in code where its folders are absent"
                if spec.is_demo
                else f"`manage.py fetch_model {spec.id}` fetches what is missing"
            )
            raise CommandError(
                f"{len(inspection.problems)} problem(s) in {inspection.model_dir}: "
                f"{inspection.problems[0]}{' ...' if len(inspection.problems) > 1 else ''} "
                f"({hint})"
            )
        self.print_plans(spec, sizes, gpus, host)
        done = [] if plan_only else ["files complete"]
        done += [f"fits {', '.join(f'{g / GiB:g}' for g in gpus)} GiB"] if gpus else []
        self.stdout.write(self.style.SUCCESS(f"{spec.id}: {', '.join(done)}"))

    def print_components(self, inspection) -> None:
        self.stdout.write(f"{inspection.spec.id} in {inspection.model_dir}")
        borrowed = {p.checkpoint: p.shared for p in inspection.spec.all_pipelines()}
        for checkpoint, states in inspection.components.items():
            self.stdout.write(checkpoint)
            self.stdout.write(
                f"  {'component':<18}{'stored':<11}{'load':<6}{'params':>9}{'size':>13}"
            )
            for state in states:
                part = state.part
                if not part.has_weights:
                    self.stdout.write(f"  {part.component:<18}{'-':<11}-")
                    continue
                stored = ",".join(STORED_NAMES.get(d, d.lower()) for d in state.tensors.dtypes)
                self.stdout.write(
                    f"  {part.component:<18}{stored or '?':<11}{LOAD_NAMES[part.load_dtype]:<6}"
                    f"{count(state.numel):>9}{human_size(state.load_bytes):>13}"
                )
            for component, (source, source_component) in borrowed.get(checkpoint, {}).items():
                self.stdout.write(f"  {component:<18}-> {source}/{source_component}")

    def print_pipelines(self, spec, sizes: dict) -> None:
        self.stdout.write("Weights per pipeline, own + borrowed, in GPU dtypes:")
        for pipeline in spec.all_pipelines():
            own, borrowed = checkpoints.pipeline_keys(pipeline, sizes)
            mine, lent = sum(sizes[k] for k in own), sum(sizes[k] for k in borrowed)
            self.stdout.write(
                f"  {pipeline.checkpoint:<44}{human_size(mine):>11} + {human_size(lent):>11}"
                f" = {human_size(mine + lent):>11}"
            )
        total = human_size(sum(sizes.values()))
        self.stdout.write(f"  {'every distinct component':<44}{total:>39}")

    def print_plans(self, spec, sizes: dict, gpus: list[int], host: int | None) -> None:
        if not gpus:
            self.stdout.write("(give --gpu-memory to see the memory plan for a GPU size)")
            return
        from generation.engine import memory

        misfits = []
        for gpu_bytes in gpus:
            plan = memory.plan(spec, sizes, gpu_bytes, host)
            self.stdout.write(plan.describe())
            if not plan.fits:
                misfits.append(f"{gpu_bytes / GiB:g} GiB")
        if misfits:
            raise CommandError(f"{spec.id} does not fit a GPU of {', '.join(misfits)}")
