"""Load pipelines: from a checkpoint folder or the hub cache (never downloading), or built in code.

`get_pipeline` keeps each pipeline loaded for the life of the process, so a worker pays the load
once and stays warm. Call it only in the process that runs jobs (a Celery prefork child), never
in the parent: CUDA must not be initialised before the fork.

torch and diffusers are imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import inspect
import logging
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

from .specs import ModelSpec, PipelineSpec, get_spec

log = logging.getLogger(__name__)

_CACHE: dict[tuple, object] = {}
_CACHE_LOCK = threading.Lock()


def resolve_device(device: str | None = None) -> str:
    """The device to run on: the one asked for, else CUDA when there is one, else the CPU."""
    if device:
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def default_dtype(device: str):
    """bfloat16 on a GPU (what the real checkpoints are published in), float32 on a CPU."""
    import torch

    return torch.bfloat16 if str(device).startswith("cuda") else torch.float32


def checkpoint_path(checkpoint: str, model_dir: str | os.PathLike | None) -> str:
    """Where to load `checkpoint` from: `<model_dir>/<org>/<name>` when that folder holds a
    pipeline, else the hub id itself (resolved in the hub cache; nothing is downloaded while
    local_files_only is true)."""
    if model_dir:
        folder = Path(model_dir) / checkpoint
        if (folder / "model_index.json").is_file():
            return str(folder)
    return checkpoint


def load_pipeline(
    spec: ModelSpec | str,
    capability: str,
    device: str = "cpu",
    dtype=None,
    *,
    model_path: str | os.PathLike | None = None,
    model_dir: str | os.PathLike | None = None,
    local_files_only: bool = True,
    cpu_offload: bool = False,
    compile: bool = False,
    random_weights: bool = False,
    end_frame: bool = False,
):
    """A ready pipeline for one capability (a request kind) of `spec`.

    - Real checkpoints load with `from_pretrained(model_path or <model_dir>/<id> or <id>,
      local_files_only=..., torch_dtype=bf16 on CUDA)`.
    - `random_weights=True` builds the real architecture in code with random weights (speed
      measurements where no weights can be downloaded).
    - The demo ("tiny/...") pipelines are built in code; with `model_path` or `model_dir`, they
      are saved there once and loaded back through `from_pretrained`, the same path as a real
      checkpoint.
    `cpu_offload` moves each model to the GPU only while it runs; `compile` wraps the
    transformer in `torch.compile`.
    """
    spec = get_spec(spec)
    pipeline = spec.pipeline_for(capability, end_frame=end_frame)
    dtype = dtype or default_dtype(device)
    _quiet_known_warnings()
    if pipeline.checkpoint.startswith("tiny/"):
        pipe = _load_demo(pipeline, model_path or _tiny_folder(pipeline, model_dir))
        if pipe.dtype != dtype:
            pipe.to(dtype=dtype)
    elif random_weights:
        from .builders import build_pipeline

        build_on = "cpu" if cpu_offload else device
        pipe = build_pipeline(pipeline.checkpoint, device=build_on, dtype=dtype)
    else:
        source = str(model_path) if model_path else checkpoint_path(pipeline.checkpoint, model_dir)
        pipe = pipeline_class(pipeline).from_pretrained(
            source, dtype=dtype, local_files_only=local_files_only
        )
    if not pipeline.checkpoint.startswith("tiny/"):
        _tile_vae(pipe)
    if cpu_offload and str(device).startswith("cuda"):
        pipe.enable_model_cpu_offload(device=device)
    else:
        pipe.to(device)
    if compile:
        pipe.transformer.compile()
    pipe.set_progress_bar_config(disable=True)
    return pipe


def _tile_vae(pipe) -> None:
    """Decode real-size videos in overlapping tiles (space, and time for LTX): a 10 s clip at
    1216x704 would otherwise need tens of GB for one activation. No effect on small outputs."""
    vae = getattr(pipe, "vae", None)
    if (
        vae is None
        or not hasattr(vae, "enable_tiling")
        or pipe.__class__.__name__ == "FluxPipeline"
    ):
        return
    vae.enable_tiling()
    if hasattr(vae, "use_framewise_decoding"):
        vae.use_framewise_decoding = True


def get_pipeline(
    spec: ModelSpec | str,
    capability: str,
    device: str | None = None,
    *,
    max_on_gpu: int | None = None,
    **options,
):
    """`load_pipeline`, once per process: later calls return the same warm object.

    Capabilities that share a pipeline (LTX's text, image and extension) share one entry.
    `max_on_gpu` bounds how many pipelines stay on a CUDA device at once: the least recently
    used are parked in host memory (still warm, a few seconds to bring back rather than a full
    load), for specs whose pipelines do not fit on one GPU together (Wan 2.1's 14B models).
    """
    spec = get_spec(spec)
    device = resolve_device(device)
    pipeline = spec.pipeline_for(capability, end_frame=options.get("end_frame", False))
    settings = {**_LOAD_DEFAULTS, **options}
    settings.pop("end_frame")  # already part of the pipeline's identity
    key = (pipeline.class_name, pipeline.checkpoint, device, *sorted(map(str, settings.items())))
    parking = bool(max_on_gpu) and device.startswith("cuda") and not settings["cpu_offload"]
    with _CACHE_LOCK:
        if parking and (key not in _CACHE or key in _PARKED):
            _park_others(key, device, keep=max_on_gpu - 1)
        if key not in _CACHE:
            started = time.perf_counter()
            _CACHE[key] = load_pipeline(spec, capability, device, **options)
            log.info(
                "loaded %s (%s) on %s in %.1fs",
                pipeline.checkpoint,
                pipeline.class_name,
                device,
                time.perf_counter() - started,
            )
        elif key in _PARKED:
            _CACHE[key].to(device)
            _PARKED.discard(key)
        _LAST_USED[key] = time.monotonic()
        return _CACHE[key]


_PARKED: set[tuple] = set()
_LAST_USED: dict[tuple, float] = {}


def _park_others(key: tuple, device: str, keep: int) -> None:
    """Move all but the `keep` most recently used other pipelines on `device` to the CPU."""
    others = [k for k in _CACHE if k != key and k[2] == device and k not in _PARKED]
    others.sort(key=lambda k: _LAST_USED.get(k, 0.0), reverse=True)
    for other in others[max(keep, 0) :]:
        _CACHE[other].to("cpu")
        _PARKED.add(other)
        log.info("parked %s in host memory", other[1])
    if others[max(keep, 0) :]:
        import torch

        torch.cuda.empty_cache()


_LOAD_DEFAULTS = {
    name: parameter.default
    for name, parameter in inspect.signature(load_pipeline).parameters.items()
    if parameter.default is not inspect.Parameter.empty and name != "device"
}


def clear_cache() -> None:
    """Forget every loaded pipeline (tests; a worker keeps them for its whole life)."""
    with _CACHE_LOCK:
        _CACHE.clear()
        _PARKED.clear()
        _LAST_USED.clear()


def pipeline_class(pipeline: PipelineSpec):
    import diffusers

    return getattr(diffusers, pipeline.class_name)


def build_tiny_pipeline(checkpoint: str = "tiny/ltx", *, seed: int | None = None):
    """A demo pipeline built in code ("tiny/ltx", "tiny/flux", "tiny/wan-t2v", ...)."""
    from .builders import SEED, build_pipeline

    return build_pipeline(checkpoint, seed=SEED if seed is None else seed)


def save_tiny_pipeline(checkpoint: str, folder: str | os.PathLike) -> Path:
    """Build the demo pipeline and save it as a diffusers folder, atomically: a concurrent
    worker sees either no folder or a complete one."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        build_tiny_pipeline(checkpoint).save_pretrained(staging)
        try:
            staging.rename(folder)
        except OSError:
            if not (folder / "model_index.json").is_file():
                raise  # not a lost race with another worker: a real error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def _tiny_folder(pipeline: PipelineSpec, model_dir) -> Path | None:
    return Path(model_dir) / pipeline.checkpoint if model_dir else None


def _load_demo(pipeline: PipelineSpec, folder: Path | None):
    if folder is None:
        return build_tiny_pipeline(pipeline.checkpoint)
    folder = Path(folder)
    if not (folder / "model_index.json").is_file():
        save_tiny_pipeline(pipeline.checkpoint, folder)
    return pipeline_class(pipeline).from_pretrained(folder, local_files_only=True)


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
