"""Run one generation: request -> warm pipeline (step callback) -> frames or pictures.

    result = run(request, spec="tiny", on_progress=..., should_cancel=...)

`on_progress(step, total)` is called after every denoising step (total = the pipeline's
`num_timesteps`). When `should_cancel()` returns true the pipeline is interrupted at once and
`Canceled` is raised. Same request and seed -> identical output (the generator lives on the
CPU, so this holds on any device).

torch is imported inside the functions: importing this module stays cheap for the web tier.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from PIL import Image

from . import media
from .loader import get_pipeline, resolve_device
from .specs import (
    CAMERA_MOVEMENTS,
    FIRST_LAST_FRAME,
    MAX_PICTURES,
    ModelSpec,
    apply_camera_movement,
    get_spec,
)
from .types import (
    ASPECT_RATIOS,
    EXTEND,
    IMAGE_TO_VIDEO,
    TEXT_TO_PICTURE,
    Canceled,
    GenerationRequest,
    GenerationResult,
)

ProgressCallback = Callable[[int, int], None]
CancelCheck = Callable[[], bool]


def run(
    request: GenerationRequest,
    *,
    spec: ModelSpec | str | None = None,
    on_progress: ProgressCallback | None = None,
    should_cancel: CancelCheck | None = None,
    device: str | None = None,
    **load_options,
) -> GenerationResult:
    """Generate what `request` asks for with `spec` (default "tiny") on `device` (default CUDA
    when present, else CPU). `load_options` go to `loader.get_pipeline` (model_dir, cpu_offload,
    compile, random_weights, local_files_only).

    Raises ValueError for a request the spec cannot serve, Canceled when canceled.
    """
    started = time.perf_counter()
    spec = get_spec(spec)
    _validate(request, spec)
    watcher = _StepWatcher(on_progress, should_cancel)
    watcher.check()

    device = resolve_device(device)
    end_frame = request.kind == IMAGE_TO_VIDEO and request.end_image is not None
    if end_frame:
        load_options["end_frame"] = True
    pipe = get_pipeline(spec, request.kind, device, **load_options)
    loaded = time.perf_counter()
    watcher.check()

    if request.kind == TEXT_TO_PICTURE:
        result = _pictures(pipe, spec, request, watcher)
    else:
        result = _video(pipe, spec, request, watcher)
    finished = time.perf_counter()
    result.timings = {
        "load": loaded - started,
        **watcher.timings(),
        "post": finished - watcher.returned_at,
        "total": finished - started,
    }
    result.timings["prepare"] = watcher.called_at - loaded
    return result


def warm_up(
    spec: ModelSpec | str | None = None,
    *,
    device: str | None = None,
    kinds: list[str] | None = None,
    **load_options,
) -> list[str]:
    """Load the pipelines of `spec` (all its kinds, or `kinds`) into this process's cache so the
    first job does not wait for them; returns their checkpoints.

    Call it only in the process that runs jobs (a prefork child, never the parent), e.g. from a
    thread started by Celery's worker_process_init: that signal's handler must return within
    a few seconds, and a real model takes longer to load.
    """
    spec = get_spec(spec)
    device = resolve_device(device)
    loaded = []
    for kind in kinds or sorted(spec.capabilities):
        for end_frame in (False, True) if kind == IMAGE_TO_VIDEO else (False,):
            if end_frame and FIRST_LAST_FRAME not in spec.pipelines:
                continue
            get_pipeline(spec, kind, device, end_frame=end_frame, **load_options)
            checkpoint = spec.pipeline_for(kind, end_frame=end_frame).checkpoint
            if checkpoint not in loaded:
                loaded.append(checkpoint)
    return loaded


class _StepWatcher:
    """The pipeline's step callback: reports progress, honours cancel, records timings."""

    def __init__(self, on_progress: ProgressCallback | None, should_cancel: CancelCheck | None):
        self.on_progress = on_progress
        self.should_cancel = should_cancel
        self.step_times: list[float] = []
        self.called_at = self.returned_at = 0.0
        self.cuda = False

    def check(self) -> None:
        if self.should_cancel is not None and self.should_cancel():
            raise Canceled()

    def __call__(self, pipe, step: int, timestep, callback_kwargs: dict) -> dict:
        if self.cuda:
            import torch

            torch.cuda.synchronize()  # honest step times; the next step would wait anyway
        self.step_times.append(time.perf_counter())
        if self.on_progress is not None:
            self.on_progress(step + 1, pipe.num_timesteps)
        if self.should_cancel is not None and self.should_cancel():
            pipe._interrupt = True  # in case the exception is swallowed: skip remaining steps
            raise Canceled()
        return {}

    def call(self, pipe, **kwargs):
        """Run the pipeline with this callback; returns its output."""
        self.cuda = pipe._execution_device.type == "cuda"
        self.called_at = time.perf_counter()
        try:
            output = pipe(callback_on_step_end=self, **kwargs)
        except Canceled:
            pipe.maybe_free_model_hooks()  # with CPU offload, put the models back
            raise
        self.returned_at = time.perf_counter()
        return output

    def timings(self) -> dict[str, float]:
        """denoise = call -> last step (text encoding and conditioning included); decode = last
        step -> pipeline returned (VAE decode and conversion)."""
        steps = self.step_times
        last = steps[-1] if steps else self.returned_at
        per_step = (
            (steps[-1] - steps[0]) / (len(steps) - 1) if len(steps) > 1 else last - self.called_at
        )
        return {
            "denoise": last - self.called_at,
            "denoise_per_step": per_step,
            "decode": self.returned_at - last,
        }


def _validate(request: GenerationRequest, spec: ModelSpec) -> None:
    if request.kind not in spec.capabilities:
        raise ValueError(f"model {spec.id!r} cannot do {request.kind!r}")
    if request.aspect_ratio not in ASPECT_RATIOS:
        raise ValueError(f"unknown aspect ratio {request.aspect_ratio!r}")
    if request.kind == IMAGE_TO_VIDEO and request.image is None:
        raise ValueError("image to video needs an image")
    if request.end_image is not None and not spec.supports_end_frame:
        raise ValueError(f"model {spec.id!r} cannot take an end frame")
    if request.kind == EXTEND:
        frames = request.source_frames
        if frames is None or frames.ndim != 4 or frames.shape[-1] != 3 or not len(frames):
            raise ValueError("extend needs the source video's frames as (T, H, W, 3)")
    if request.kind == TEXT_TO_PICTURE and not 1 <= request.num_images <= MAX_PICTURES:
        raise ValueError(f"between 1 and {MAX_PICTURES} pictures")
    if request.camera_movement not in CAMERA_MOVEMENTS:
        raise ValueError(f"unknown camera movement {request.camera_movement!r}")
    if request.duration_s <= 0:
        raise ValueError("duration must be positive")


def _sampling(request: GenerationRequest, spec: ModelSpec, end_frame: bool = False) -> dict:
    import torch

    pipeline = spec.pipeline_for(request.kind, end_frame=end_frame)
    guidance = request.guidance_scale
    if guidance is None:
        guidance = pipeline.guidance_for(request.creativity)
    return {
        "num_inference_steps": request.num_inference_steps or pipeline.default_steps,
        "guidance_scale": guidance,
        "generator": torch.Generator("cpu").manual_seed(request.seed),
        **pipeline.call_options,
    }


def _pictures(pipe, spec: ModelSpec, request: GenerationRequest, watcher: _StepWatcher):
    width, height = spec.size_for(request.aspect_ratio, request.mode, kind=TEXT_TO_PICTURE)
    output = watcher.call(
        pipe,
        prompt=request.prompt,
        width=width,
        height=height,
        num_images_per_prompt=request.num_images,
        output_type="pil",
        **_sampling(request, spec),
    )
    return GenerationResult(frames=None, fps=None, images=list(output.images))


def _video(pipe, spec: ModelSpec, request: GenerationRequest, watcher: _StepWatcher):
    prompt = apply_camera_movement(request.prompt, request.camera_movement)
    negative = request.negative_prompt or spec.default_negative_prompt
    end_frame = request.end_image is not None
    common = {
        "prompt": prompt,
        "negative_prompt": negative,
        "output_type": "np",
        **_sampling(request, spec, end_frame),
    }
    if request.kind == EXTEND:
        return _extend(pipe, spec, request, watcher, common)

    width, height = spec.size_for(request.aspect_ratio, request.mode)
    num_frames, fps = spec.frames_for(request.duration_s)
    common.update(width=width, height=height, num_frames=num_frames)
    if spec.family == "ltx":
        common["frame_rate"] = fps
    if request.kind == IMAGE_TO_VIDEO:
        first = media.fit_image(request.image, (width, height))
        last = media.fit_image(request.end_image, (width, height)) if end_frame else None
        common.update(_image_inputs(spec, first, last, num_frames))
    output = watcher.call(pipe, **common)
    return GenerationResult(frames=_to_uint8(output.frames[0]), fps=fps)


def _image_inputs(spec: ModelSpec, first, last, num_frames: int) -> dict:
    """Conditioning for image to video: LTX pins frame 0 (and the last frame); Wan takes the
    image (and `last_image`) directly."""
    if spec.family == "ltx":
        from diffusers.pipelines.ltx.pipeline_ltx_condition import LTXVideoCondition

        conditions = [LTXVideoCondition(image=first, frame_index=0)]
        if last is not None:
            conditions.append(LTXVideoCondition(image=last, frame_index=num_frames - 1))
        return {"conditions": conditions}
    return {"image": first, **({"last_image": last} if last is not None else {})}


def _extend(pipe, spec: ModelSpec, request: GenerationRequest, watcher, common: dict):
    """About `duration_s` more seconds after the source: condition on the source's last frames
    (the spec's context, at the spec's fps and size), keep only the new frames, bring them to
    the source's size and fps, and return source + new."""
    source = np.asarray(request.source_frames, dtype=np.uint8)
    source_fps = request.source_fps or spec.fps
    _count, source_h, source_w, _ = source.shape
    width, height = spec.size_for(_nearest_aspect(source_w, source_h), request.mode)

    step = spec.temporal_multiple
    context = media.resample_frames(source, source_fps, spec.fps)[-spec.extend_context_frames :]
    context = context[-((len(context) - 1) // step * step + 1) :]  # k * step + 1 frames
    context = media.resize_frames(context, (width, height))
    new_count = spec.frames_for(request.duration_s)[0] - 1
    num_frames = len(context) + new_count
    common.update(width=width, height=height, num_frames=num_frames)
    context_images = [Image.fromarray(frame) for frame in context]
    if spec.family == "ltx":
        from diffusers.pipelines.ltx.pipeline_ltx_condition import LTXVideoCondition

        common["conditions"] = [LTXVideoCondition(video=context_images, frame_index=0)]
        common["frame_rate"] = spec.fps
    else:  # Wan VACE: known frames then grey placeholders; mask 0 keeps, 255 generates
        grey = Image.new("RGB", (width, height), (127, 127, 127))
        keep, generate = (Image.new("L", (width, height), v) for v in (0, 255))
        common["video"] = context_images + [grey] * new_count
        common["mask"] = [keep] * len(context) + [generate] * new_count
    output = watcher.call(pipe, **common)

    new = _to_uint8(output.frames[0])[len(context) :]
    new = media.resize_frames(new, (source_w, source_h))
    new = media.resample_frames(new, spec.fps, source_fps)
    return GenerationResult(frames=np.concatenate([source, new]), fps=round(source_fps))


def _nearest_aspect(width: int, height: int) -> str:
    ratios = {"16:9": 16 / 9, "9:16": 9 / 16, "1:1": 1.0}
    return min(ratios, key=lambda name: abs(np.log(width / height / ratios[name])))


def _to_uint8(frames: np.ndarray) -> np.ndarray:
    """Pipeline output in [0, 1] (T, H, W, 3) float -> uint8, rounding to nearest.

    Works in place on the pipeline's array: fresh temporaries of this size cost 10x more.
    """
    frames = np.asarray(frames, dtype=np.float32)
    if not frames.flags.writeable:
        frames = frames.copy()
    np.multiply(frames, 255.0, out=frames)
    np.add(frames, 0.5, out=frames)
    np.clip(frames, 0.0, 255.0, out=frames)
    return frames.astype(np.uint8)
