"""Load pipelines: from a model folder or the hub cache (never downloading), or built in code.

A worker keeps every pipeline it loads for the life of its process. Components that are the
same weights in several checkpoints (`PipelineSpec.shared`) are loaded once and handed to every
pipeline that uses them. On a GPU, `acquire` puts a pipeline's components on the device as the
spec's memory plan says (`memory.plan`, carried out by `residency.Residency`); on a CPU
everything simply stays in host memory.

Call it only in the process that runs jobs (a Celery prefork child), never in the parent: CUDA
must not be initialised before the fork. torch and diffusers are imported inside the functions,
so importing this module is cheap.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from . import memory, speed
from .specs import ModelSpec, PipelineSpec, get_spec

log = logging.getLogger(__name__)

_LOCK = threading.RLock()
_PIPELINES: dict[tuple, object] = {}
_COMPONENTS: dict[tuple, object] = {}
_RESIDENCY: dict[tuple, object] = {}
# A checkpoint loaded once may serve another pipeline class over the same components (Wan's
# text model as WanVideoToVideoPipeline for restyles): (pipeline key, class name) -> that view.
_VIEWS: dict[tuple, object] = {}


@dataclass(frozen=True)
class LoadOptions:
    """How pipelines are obtained; one set per worker process (its settings).

    - `model_dir`: the folder of `<org>/<name>` checkpoint folders (`manage.py fetch_model`
      writes it); checkpoints not there are looked up in the hub cache.
    - `random_weights`: build the real architectures in code with random weights (benchmarks
      and tests where no weights can be downloaded); `layers` and `width_divisor` shrink them.
    - `gpu_memory_gb`, `host_memory_gb`: plan for this much instead of what the machine has;
      `memory_plan`: force one mode for every pipeline (resident, swap, offload, stream).
    - `step_cache`, `compile`, `precision`: the speed options (`speed.py`); "default" takes
      the spec's own choice.
    """

    model_dir: str | None = None
    local_files_only: bool = True
    random_weights: bool = False
    layers: int | None = None
    width_divisor: int = 1
    step_cache: str = "default"
    compile: str = "default"
    precision: str = "default"
    gpu_memory_gb: float | None = None
    host_memory_gb: float | None = None
    memory_plan: str | None = None
    # How many LoRA adapters (effects) each pipeline keeps loaded (adapters.py).
    adapter_slots: int = 4


def resolve_device(device: str | None = None) -> str:
    """The device to run on: the one asked for, else CUDA when there is one, else the CPU."""
    if device:
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def on_gpu(device: str) -> bool:
    return str(device).startswith("cuda")


def component_dtype(pipeline: PipelineSpec, component: str, device: str):
    """float32 on a CPU; on a GPU the component's planned dtype (bfloat16 unless the family
    keeps it in float32)."""
    import torch

    if not on_gpu(device):
        return torch.float32
    return getattr(torch, memory.load_dtype(pipeline, component))


def checkpoint_path(checkpoint: str, model_dir: str | os.PathLike | None) -> str:
    """Where to load `checkpoint` from: `<model_dir>/<org>/<name>` when that folder holds a
    pipeline, else the hub id itself (resolved in the hub cache; nothing is downloaded while
    local_files_only is true)."""
    if model_dir:
        folder = Path(model_dir) / checkpoint
        if (folder / "model_index.json").is_file():
            return str(folder)
    return checkpoint


def get_pipeline(
    spec: ModelSpec | str,
    kind: str,
    device: str | None = None,
    *,
    mode: str = "standard",
    end_frame: bool = False,
    options: LoadOptions | None = None,
):
    """The pipeline serving `kind` at `mode`, loaded once per process (in host memory or on the
    GPU as the plan places it). Kinds and modes served by one checkpoint share one object, or,
    where they name another pipeline class, share its components (`_view`)."""
    spec = get_spec(spec)
    device = resolve_device(device)
    options = options or LoadOptions()
    pipeline = spec.pipeline_for(kind, mode, end_frame=end_frame)
    key = (pipeline.checkpoint, device, options)
    with _LOCK:
        if key not in _PIPELINES:
            residency = _residency(spec, device, options)
            if residency is not None:
                residency.make_room_in_host(pipeline.checkpoint)
            started = time.perf_counter()
            pipe = load_pipeline(pipeline, device, options)
            _PIPELINES[key] = pipe
            if residency is not None:
                residency.adopt(
                    pipeline.checkpoint,
                    pipe,
                    forget=lambda dropped: _forget(key, dropped, device, options),
                )
            else:
                pipe.to(device)
            log.info(
                "loaded %s (%s) for %s in %.1fs",
                pipeline.checkpoint,
                pipeline.class_name,
                device,
                time.perf_counter() - started,
            )
        pipe = _PIPELINES[key]
        if type(pipe).__name__ == pipeline.class_name:
            return pipe
        if (key, pipeline.class_name) not in _VIEWS:
            _VIEWS[key, pipeline.class_name] = _view(pipe, pipeline)
        return _VIEWS[key, pipeline.class_name]


def _view(pipe, pipeline: PipelineSpec):
    """`pipe`'s very components (nothing copied, moved or cast: diffusers' `from_pipe` would
    cast them all to one dtype) as a `pipeline.class_name` pipeline."""
    cls = pipeline_class(pipeline)
    names = inspect.signature(cls.__init__).parameters
    view = cls(**{name: module for name, module in pipe.components.items() if name in names})
    view.set_progress_bar_config(disable=True)
    return view


@contextlib.contextmanager
def acquire(
    spec: ModelSpec | str,
    kind: str,
    device: str | None = None,
    *,
    mode: str = "standard",
    end_frame: bool = False,
    options: LoadOptions | None = None,
):
    """The pipeline, ready to call on `device` for the duration of the block: on a GPU its
    components are moved in (others moved out) or offloaded as the memory plan says."""
    spec = get_spec(spec)
    device = resolve_device(device)
    options = options or LoadOptions()
    with _LOCK:
        pipe = get_pipeline(spec, kind, device, mode=mode, end_frame=end_frame, options=options)
        residency = _residency(spec, device, options)
        checkpoint = spec.pipeline_for(kind, mode, end_frame=end_frame).checkpoint
        if residency is None:
            yield pipe
        else:
            with residency.running(checkpoint, pipe):
                yield pipe


def memory_plan(spec: ModelSpec | str, device: str, options: LoadOptions) -> memory.MemoryPlan:
    """The plan for this worker: the spec's expected sizes on this GPU and host (or the sizes
    the settings give)."""
    spec = get_spec(spec)
    gpu = options.gpu_memory_gb
    if gpu is None:
        import torch

        gpu_bytes = torch.cuda.get_device_properties(torch.device(device)).total_memory
    else:
        gpu_bytes = int(gpu * memory.GiB)
    host = options.host_memory_gb
    host_bytes = int(host * memory.GiB) if host is not None else host_memory_bytes()
    return memory.plan(
        spec, memory.expected_sizes(spec.id), gpu_bytes, host_bytes, force=options.memory_plan
    )


def host_memory_bytes() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def _residency(spec: ModelSpec, device: str, options: LoadOptions):
    if not on_gpu(device):
        return None
    key = (spec.id, device, options)
    if key not in _RESIDENCY:
        from .residency import Residency

        _RESIDENCY[key] = Residency(memory_plan(spec, device, options), device)
        log.info("%s", _RESIDENCY[key].plan.describe())
    return _RESIDENCY[key]


def _forget(key: tuple, dropped: list, device: str, options: LoadOptions) -> None:
    """Drop a pipeline and the components only it used from this process (host memory ran
    short); its next job loads it again."""
    _PIPELINES.pop(key, None)
    for view in [view for view in _VIEWS if view[0] == key]:
        _VIEWS.pop(view)
    for component in dropped:
        _COMPONENTS.pop((component, device, options), None)


def load_pipeline(pipeline: PipelineSpec, device: str, options: LoadOptions | None = None):
    """A pipeline object with weights in host memory (or on `device` for in-code builds on a
    GPU), each component in its dtype, shared components taken from the process's cache.

    - Real checkpoints load with `from_pretrained(<model_dir>/<org>/<name> or <org>/<name>,
      local_files_only=...)`, borrowed components passed in so they are never read twice.
    - `random_weights` builds the real architecture in code with random weights.
    - Demo ("tiny/...") pipelines load from the model folder when one was fetched there, else
      they are built in code.
    """
    import torch

    options = options or LoadOptions()
    _quiet_known_warnings()
    folder = checkpoint_path(pipeline.checkpoint, options.model_dir)
    from_folder = Path(folder).is_dir()
    if pipeline.is_demo and not from_folder or options.random_weights and not pipeline.is_demo:
        pipe = _build(pipeline, device, options)
    else:
        borrowed = {
            name: _shared_component(source, name, pipeline, device, options)
            for name, source in pipeline.shared.items()
        }
        dtypes = {"default": component_dtype(pipeline, "default", device)}
        dtypes.update({n: component_dtype(pipeline, n, device) for n in pipeline.dtypes})
        pipe = pipeline_class(pipeline).from_pretrained(
            folder, dtype=dtypes, local_files_only=options.local_files_only, **borrowed
        )
        for name in pipe.components:
            key = memory.component_key(pipeline, name)
            _COMPONENTS.setdefault((key, device, options), pipe.components[name])
    if not pipeline.is_demo:
        _tile_vae(pipe)
    speed.apply(pipe, speed_options(pipeline, options), device)
    pipe.set_progress_bar_config(disable=True)
    for component in pipe.components.values():
        if isinstance(component, torch.nn.Module):
            component.eval()
    return pipe


def _build(pipeline: PipelineSpec, device: str, options: LoadOptions):
    """Build in code, then swap in components already built for another pipeline of the
    process where they are the same (the sharing the real checkpoints get)."""
    from .builders import SEED, build_pipeline

    build_on = device if options.random_weights and on_gpu(device) else "cpu"
    pipe = build_pipeline(
        pipeline.checkpoint,
        seed=SEED,
        device=build_on,
        dtype=component_dtype(pipeline, "default", device),
        layers=options.layers,
        width_divisor=options.width_divisor,
    )
    for name, module in list(pipe.components.items()):
        key = (memory.component_key(pipeline, name), device, options)
        if not hasattr(module, "parameters"):
            continue
        if key not in _COMPONENTS and name in pipeline.shared and pipeline.is_demo:
            # The demo's borrowed component is its source's, whichever pipeline loads first:
            # the same weights as when the demo is saved and loaded from folders.
            source, source_name = pipeline.shared[name]
            dtype = component_dtype(pipeline, name, device)
            built = build_pipeline(
                source,
                seed=SEED,
                device=build_on,
                dtype=dtype,
                layers=options.layers,
                width_divisor=options.width_divisor,
            )
            module = built.components[source_name]
        if key in _COMPONENTS or name in pipeline.shared:
            _COMPONENTS.setdefault(key, module)
            pipe.register_modules(**{name: _COMPONENTS[key]})
            continue
        if name in pipeline.dtypes and on_gpu(device):
            module.to(dtype=component_dtype(pipeline, name, device))
        _COMPONENTS[key] = module
    return pipe


def _shared_component(source: tuple[str, str], name: str, pipeline, device, options):
    """The component `source` = (checkpoint, component), loaded from its own checkpoint's
    folder once per process."""
    key = (source, device, options)
    if key not in _COMPONENTS:
        checkpoint, component = source
        folder = Path(checkpoint_path(checkpoint, options.model_dir))
        if not folder.is_dir():
            from huggingface_hub import snapshot_download

            folder = Path(snapshot_download(checkpoint, local_files_only=True))
        library, class_name = json.loads((folder / "model_index.json").read_text())[component]
        cls = getattr(importlib.import_module(library), class_name)
        _COMPONENTS[key] = cls.from_pretrained(
            folder / component,
            dtype=component_dtype(pipeline, name, device),
            local_files_only=options.local_files_only,
        )
    return _COMPONENTS[key]


def _tile_vae(pipe) -> None:
    """Decode real-size outputs in pieces: video VAEs in overlapping tiles (space, and time for
    LTX), since a 10 s clip at 1216x704 would otherwise need tens of GB for one activation; the
    picture VAE one image at a time. No effect on small outputs."""
    vae = getattr(pipe, "vae", None)
    if vae is None:
        return
    if pipe.__class__.__name__ in ("FluxPipeline", "KolorsPipeline"):
        vae.enable_slicing()
        return
    if hasattr(vae, "enable_tiling"):
        vae.enable_tiling()
    if hasattr(vae, "use_framewise_decoding"):
        vae.use_framewise_decoding = True


def warm_up(spec: ModelSpec | str, device: str | None = None, options: LoadOptions | None = None):
    """Load what the memory plan keeps warm (on the GPU, or in host memory), in the plan's
    order; pipelines the plan leaves cold wait for their first job. Returns their checkpoints."""
    spec = get_spec(spec)
    device = resolve_device(device)
    options = options or LoadOptions()
    residency = _residency(spec, device, options)
    warm = [
        p.checkpoint
        for p in (residency.plan.pipelines if residency else [])
        if p.warm != memory.COLD
    ]
    loaded = []
    for kind, mode, end_frame, pipeline in _servings(spec):
        if pipeline.checkpoint in loaded or (residency and pipeline.checkpoint not in warm):
            continue
        get_pipeline(spec, kind, device, mode=mode, end_frame=end_frame, options=options)
        loaded.append(pipeline.checkpoint)
    return loaded


def _servings(spec: ModelSpec):
    """(kind, mode, end_frame, pipeline) for everything the spec serves, text to video first,
    its upscaler last."""
    from .specs import SOUND, UPSCALE
    from .types import IMAGE_TO_VIDEO, KINDS, MODES

    for kind in KINDS:
        if kind not in spec.pipelines:
            continue
        for mode in MODES:
            for end_frame in (False, True) if kind == IMAGE_TO_VIDEO else (False,):
                if end_frame and not spec.supports_end_frame:
                    continue
                yield kind, mode, end_frame, spec.pipeline_for(kind, mode, end_frame=end_frame)
    if spec.supports_sound:  # LTX-2's, when the spec films silent clips with another model
        for mode in MODES:
            yield SOUND, mode, False, spec.pipeline_for(SOUND, mode)
    if spec.upscaler is not None:
        yield UPSCALE, "professional", False, spec.upscaler


def clear_cache() -> None:
    """Forget every loaded pipeline and component (tests; a worker keeps them for life)."""
    with _LOCK:
        _PIPELINES.clear()
        _VIEWS.clear()
        _COMPONENTS.clear()
        _RESIDENCY.clear()


def speed_options(pipeline: PipelineSpec, options: LoadOptions) -> dict[str, str]:
    """The speed options this pipeline loads with: the worker's settings over its spec's."""
    return speed.resolve(
        pipeline.speed,
        step_cache=options.step_cache,
        compile=options.compile,
        precision=options.precision,
    )


def pipeline_class(pipeline: PipelineSpec):
    import diffusers

    return getattr(diffusers, pipeline.class_name)


def build_tiny_pipeline(checkpoint: str = "tiny/ltx", *, seed: int | None = None):
    """A demo pipeline built in code ("tiny/ltx", "tiny/flux", "tiny/wan-t2v", ...)."""
    from .builders import SEED, build_pipeline

    return build_pipeline(checkpoint, seed=SEED if seed is None else seed)


def save_tiny_pipeline(checkpoint: str, folder: str | os.PathLike) -> Path:
    """Build the demo pipeline and save it as a diffusers folder, atomically: a concurrent
    process sees either no folder or a complete one."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        build_tiny_pipeline(checkpoint).save_pretrained(staging)
        try:
            staging.rename(folder)
        except OSError:
            if not (folder / "model_index.json").is_file():
                raise  # not a lost race with another process: a real error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


class _DropMessage(logging.Filter):
    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def filter(self, record: logging.LogRecord) -> bool:
        return self.text not in record.getMessage()


_QUIETED = False


def _quiet_known_warnings() -> None:
    """LTXConditionPipeline passes its own timesteps by design; diffusers warns on every call."""
    global _QUIETED
    if not _QUIETED:
        logging.getLogger("diffusers.schedulers.scheduling_flow_match_euler_discrete").addFilter(
            _DropMessage("were passed without `sigmas`")
        )
        _QUIETED = True
