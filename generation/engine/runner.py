"""Run one generation: request -> warm pipeline (step callback) -> frames or pictures.

    result = run(request, spec="tiny", on_progress=..., should_cancel=...)

`on_progress(step, total)` is called after every denoising step, counted over all of the
job's calls (total = calls x the pipeline's `num_timesteps`). When `should_cancel()` returns
true the pipeline is interrupted at once and `Canceled` is raised. Same request and seed ->
identical output (the generator lives on the CPU, so this holds on any device).

torch is imported inside the functions: importing this module stays cheap for the web tier.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np
from PIL import Image, ImageOps

from generation import media

from . import adapters, loader, restore, restyle, sound, upscale
from .loader import LoadOptions, resolve_device
from .sampling import sampling_kwargs
from .specs import (
    CAMERA_MOVEMENTS,
    MAX_PICTURES,
    ModelSpec,
    PipelineSpec,
    apply_camera_movement,
    get_spec,
)
from .types import (
    ADD_SOUND,
    ASPECT_RATIOS,
    EXTEND,
    IMAGE_TO_VIDEO,
    MAX_ADD_SOUND_SECONDS,
    MAX_REFERENCES,
    MAX_SHOTS,
    MAX_STRENGTH,
    MIN_REFERENCES,
    MIN_SHOTS,
    MIN_STRENGTH,
    MODES,
    REFERENCES,
    RESTYLE,
    STORYBOARD,
    TEXT_TO_PICTURE,
    TEXT_TO_VIDEO,
    Canceled,
    GenerationRequest,
    GenerationResult,
    nearest_aspect,
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
    options: LoadOptions | None = None,
    **load_options,
) -> GenerationResult:
    """Generate what `request` asks for with `spec` (default "tiny") on `device` (default CUDA
    when present, else CPU). `options` (or its fields as keywords: model_dir, random_weights,
    layers, width_divisor, ...) say how pipelines are loaded (`loader.LoadOptions`).

    A video longer than the family's longest call is made by one call and extension calls
    (`ModelSpec.call_plan`); progress runs once from 0 to 100 % over all of them.
    Raises ValueError for a request the spec cannot serve, Canceled when canceled.
    """
    started = time.perf_counter()
    spec = get_spec(spec)
    _validate(request, spec)
    options = options or LoadOptions(**load_options)
    watcher = _StepWatcher(on_progress, should_cancel)
    watcher.check()
    device = resolve_device(device)

    def acquire(kind: str, end_frame: bool = False):
        acquired = loader.acquire(
            spec, kind, device, mode=request.mode, end_frame=end_frame, options=options
        )
        # The job's adapter (an effect's: it fits the video transformer) on, or LoRA off: the
        # same warm pipeline serves jobs with and without one.
        adapter = request.adapter if kind != TEXT_TO_PICTURE else None
        return adapters.applied(acquired, adapter, options.adapter_slots)

    finishing = {}
    if request.restore:
        request = replace(request, image=restore.retouch(acquire, spec, request, watcher))
    if request.kind == TEXT_TO_PICTURE:
        result = _pictures(acquire, spec, request, watcher)
    else:
        result = _video(acquire, spec, request, watcher)
        # An extension keeps its source's size and frame rate; sound added to a clip has no
        # frames of its own.
        if request.kind not in (EXTEND, ADD_SOUND):
            result.frames, result.fps, finishing = upscale.finish(
                acquire, spec, request, result.frames, check=watcher.check
            )
            if result.audio is not None:  # re-timing may end the clip a frame off
                seconds = len(result.frames) / result.fps
                result.audio = sound.fit_audio(result.audio, result.sample_rate, seconds)
    finished = time.perf_counter()
    result.timings = {
        **watcher.timings(),
        **finishing,
        "post": finished - watcher.returned_at,
        "total": finished - started,
    }
    return result


def warm_up(
    spec: ModelSpec | str | None = None,
    *,
    device: str | None = None,
    options: LoadOptions | None = None,
    **load_options,
) -> list[str]:
    """Load what the spec's memory plan keeps warm into this process (on the GPU or in host
    memory) so the first jobs do not wait; returns the checkpoints loaded.

    Call it only in the process that runs jobs (a prefork child, never the parent), e.g. from a
    thread started by Celery's worker_process_init: that signal's handler must return within
    a few seconds, and a real model takes longer to load.
    """
    return loader.warm_up(get_spec(spec), device, options or LoadOptions(**load_options))


class _StepWatcher:
    """The pipeline's step callback: reports progress over all the job's calls, honours cancel,
    records timings."""

    def __init__(self, on_progress: ProgressCallback | None, should_cancel: CancelCheck | None):
        self.on_progress = on_progress
        self.should_cancel = should_cancel
        self.calls = 1
        self.index = 0
        self.load = self.denoise = self.decode = 0.0
        self.per_step: list[float] = []
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
            done = self.index * pipe.num_timesteps + step + 1
            self.on_progress(done, self.calls * pipe.num_timesteps)
        if self.should_cancel is not None and self.should_cancel():
            pipe._interrupt = True  # in case the exception is swallowed: skip remaining steps
            raise Canceled()
        return {}

    def call(self, acquired, index: int, pipeline: PipelineSpec, prepare=None, **kwargs):
        """Run the pipeline `acquired` (a loader.acquire context) as call `index` of the job,
        with `pipeline`'s scheduler shift; returns its output. `prepare(pipe)`, when given,
        returns more keyword arguments made with the pipeline itself (a restyle's latents)."""
        self.index = index
        entered = time.perf_counter()
        with acquired as pipe:
            self.check()
            _set_shift(pipe, pipeline)
            self.cuda = pipe._execution_device.type == "cuda"
            self.step_times = []
            self.called_at = time.perf_counter()
            self.load += self.called_at - entered
            if prepare is not None:
                kwargs.update(prepare(pipe))
            try:
                output = pipe(callback_on_step_end=self, **kwargs)
            except Canceled:
                pipe.maybe_free_model_hooks()  # with CPU offload, put the models back
                raise
            self.returned_at = time.perf_counter()
        steps = self.step_times
        last = steps[-1] if steps else self.returned_at
        self.denoise += last - self.called_at
        self.decode += self.returned_at - last
        if len(steps) > 1:
            self.per_step.append((steps[-1] - steps[0]) / (len(steps) - 1))
        return output

    def timings(self) -> dict[str, float]:
        """load = pipelines loaded or moved onto the device; denoise = call -> last step (text
        encoding and conditioning included); decode = last step -> pipeline returned (VAE
        decoding and conversion); summed over the job's calls."""
        per_step = sum(self.per_step) / len(self.per_step) if self.per_step else self.denoise
        return {
            "load": self.load,
            "denoise": self.denoise,
            "denoise_per_step": per_step,
            "decode": self.decode,
        }


def _validate(request: GenerationRequest, spec: ModelSpec) -> None:
    if request.kind not in spec.kinds:
        raise ValueError(f"model {spec.id!r} cannot do {request.kind!r}")
    if request.aspect_ratio not in ASPECT_RATIOS:
        raise ValueError(f"unknown aspect ratio {request.aspect_ratio!r}")
    if request.mode not in MODES:
        raise ValueError(f"unknown mode {request.mode!r}")
    if request.kind == IMAGE_TO_VIDEO and request.image is None:
        raise ValueError("image to video needs an image")
    if request.end_image is not None and not spec.supports_end_frame:
        raise ValueError(f"model {spec.id!r} cannot take an end frame")
    if request.kind == EXTEND:
        frames = request.source_frames
        if frames is None or frames.ndim != 4 or frames.shape[-1] != 3 or not len(frames):
            raise ValueError("extend needs the source video's frames as (T, H, W, 3)")
    if request.kind == RESTYLE:
        frames = request.source_frames
        if frames is None or frames.ndim != 4 or frames.shape[-1] != 3 or not len(frames):
            raise ValueError("restyle needs the source video's frames as (T, H, W, 3)")
        if not MIN_STRENGTH <= request.strength <= MAX_STRENGTH:
            raise ValueError(f"strength must be {MIN_STRENGTH} to {MAX_STRENGTH}")
    if request.kind == ADD_SOUND:
        frames = request.source_frames
        if frames is None or frames.ndim != 4 or frames.shape[-1] != 3 or not len(frames):
            raise ValueError("adding sound needs the clip's frames as (T, H, W, 3)")
        seconds = len(frames) / (request.source_fps or spec.fps)
        if seconds > MAX_ADD_SOUND_SECONDS:
            raise ValueError(f"sound is added to clips of up to {MAX_ADD_SOUND_SECONDS:g} s")
    if request.kind == STORYBOARD:
        if not MIN_SHOTS <= len(request.shots) <= MAX_SHOTS:
            raise ValueError(f"a storyboard has {MIN_SHOTS} to {MAX_SHOTS} shots")
        for shot in request.shots:
            if not shot.prompt or shot.duration_s <= 0:
                raise ValueError("every shot needs a prompt and a positive duration")
            if shot.camera_movement not in CAMERA_MOVEMENTS:
                raise ValueError(f"unknown camera movement {shot.camera_movement!r}")
    if (
        request.kind == REFERENCES
        and not MIN_REFERENCES <= len(request.references) <= MAX_REFERENCES
    ):
        raise ValueError(f"{MIN_REFERENCES} to {MAX_REFERENCES} reference photos")
    if request.sound:
        if not spec.supports_sound:
            raise ValueError(f"model {spec.id!r} cannot make sound")
        if request.kind not in (TEXT_TO_VIDEO, IMAGE_TO_VIDEO) or request.end_image is not None:
            raise ValueError("sound comes with text or image to video, without an end frame")
    if request.kind == TEXT_TO_PICTURE and not 1 <= request.num_images <= MAX_PICTURES:
        raise ValueError(f"between 1 and {MAX_PICTURES} pictures")
    if request.camera_movement not in CAMERA_MOVEMENTS:
        raise ValueError(f"unknown camera movement {request.camera_movement!r}")
    if request.duration_s <= 0:
        raise ValueError("duration must be positive")
    if request.size is not None:
        picture = request.kind == TEXT_TO_PICTURE
        multiple = spec.picture_multiple if picture else spec.spatial_multiple
        if any(side <= 0 or side % multiple for side in request.size):
            raise ValueError(f"size must be positive multiples of {multiple}")


def _size(request: GenerationRequest, spec: ModelSpec, aspect_ratio: str | None = None):
    if request.size is not None:
        return tuple(request.size)
    kind = TEXT_TO_PICTURE if request.kind == TEXT_TO_PICTURE else None
    return spec.size_for(aspect_ratio or request.aspect_ratio, request.mode, kind=kind)


def _set_shift(pipe, pipeline: PipelineSpec) -> None:
    """The scheduler's shift for this resolution; one loaded checkpoint may serve two."""
    if pipeline.flow_shift is None or "flow_shift" not in pipe.scheduler.config:
        return
    if pipe.scheduler.config.flow_shift != pipeline.flow_shift:
        pipe.scheduler = pipe.scheduler.__class__.from_config(
            pipe.scheduler.config, flow_shift=pipeline.flow_shift
        )


def _pictures(acquire, spec: ModelSpec, request: GenerationRequest, watcher: _StepWatcher):
    width, height = _size(request, spec)
    pipeline = spec.pipeline_for(TEXT_TO_PICTURE, request.mode)
    output = watcher.call(
        acquire(TEXT_TO_PICTURE),
        0,
        pipeline,
        prompt=request.prompt,
        width=width,
        height=height,
        num_images_per_prompt=request.num_images,
        output_type="pil",
        **sampling_kwargs(request, pipeline),
    )
    return GenerationResult(frames=None, fps=None, images=list(output.images))


def _video(acquire, spec: ModelSpec, request: GenerationRequest, watcher: _StepWatcher):
    """A clip as the spec's call plan says: a first call (text or image to video), then
    extension calls conditioned on the end of what came before; or, for an extension job,
    extension calls on the source's end; or, for a storyboard, shot after shot."""
    if request.kind == STORYBOARD:
        return _storyboard(acquire, spec, request, watcher)
    if request.kind == RESTYLE:
        return _restyle(acquire, spec, request, watcher)
    if request.kind == ADD_SOUND:
        return _add_sound(acquire, spec, request, watcher)
    if sound.makes_sound(spec, request):
        common = _common(spec, request, request.prompt, request.camera_movement)
        size = _size(request, spec)
        frames, fps, audio, rate = sound.clip(acquire, spec, request, watcher, common, size)
        return GenerationResult(_to_uint8(frames), fps, audio=audio, sample_rate=rate)
    common = _common(spec, request, request.prompt, request.camera_movement)
    plan = spec.call_plan(request.kind, request.duration_s)
    watcher.calls = len(plan)
    if request.kind == EXTEND:
        return _extend_source(acquire, spec, request, watcher, common, plan)
    return GenerationResult(
        frames=_clip(acquire, spec, request, watcher, common, plan), fps=spec.fps
    )


def _common(spec: ModelSpec, request: GenerationRequest, prompt: str, camera: str) -> dict:
    return {
        "prompt": apply_camera_movement(prompt, camera),
        "negative_prompt": request.negative_prompt or spec.default_negative_prompt,
        "output_type": "np",
    }


def _storyboard(acquire, spec: ModelSpec, request: GenerationRequest, watcher: _StepWatcher):
    """One continuous clip from the shots: the first is a text to video clip, each next one
    extension calls with its own prompt, conditioned on the last frames so far (as an extension
    is), so subjects and light carry over from shot to shot. Progress runs over all the calls;
    a cancel stops before the next call (and within one, at the next step)."""
    plans = spec.storyboard_plan([shot.duration_s for shot in request.shots])
    watcher.calls = sum(len(plan) for plan in plans)
    first = request.shots[0]
    opening = replace(request, kind=TEXT_TO_VIDEO, image=None, end_image=None)
    common = _common(spec, request, first.prompt, first.camera_movement)
    frames = _clip(acquire, spec, opening, watcher, common, plans[0])
    index = len(plans[0])
    for shot, plan in zip(request.shots[1:], plans[1:], strict=True):
        common = _common(spec, request, shot.prompt, shot.camera_movement)
        new = _extend_frames(acquire, spec, request, watcher, common, frames, plan, index, None)
        frames = np.concatenate([frames, new])
        index += len(plan)
    return GenerationResult(frames=frames, fps=spec.fps)


def _restyle(acquire, spec: ModelSpec, request: GenerationRequest, watcher: _StepWatcher):
    """The source, at the spec's fps and the call size, restyled window by window (restyle.py);
    the result has the source's duration: its frame count at the spec's fps."""
    width, height = _size(request, spec)
    fps = request.source_fps or spec.fps
    source = restyle.source_at(request.source_frames, fps, spec.fps, (width, height))
    pipeline = spec.pipeline_for(RESTYLE, request.mode)
    strength = restyle.effective_strength(
        request.strength, pipeline.steps_for(request.num_inference_steps)
    )
    common = {**_common(spec, request, request.prompt, "static"), "width": width, "height": height}
    windows = spec.restyle_windows(len(source))
    watcher.calls = len(windows)
    made, start = [], 0
    for i, count in enumerate(windows):
        window = restyle.padded(source[start : start + count], spec.temporal_multiple)
        inputs, prepare = restyle.call_inputs(pipeline, window, strength, spec.fps)
        kwargs = {**common, **sampling_kwargs(request, pipeline), **inputs}
        output = watcher.call(acquire(RESTYLE), i, pipeline, prepare=prepare, **kwargs)
        made.append(_to_uint8(output.frames[0])[:count])
        start += count
    return GenerationResult(frames=np.concatenate(made), fps=spec.fps)


def _add_sound(acquire, spec: ModelSpec, request: GenerationRequest, watcher: _StepWatcher):
    """The soundtrack of the given clip (sound.py), made at the spec's size for the clip's
    shape; the result carries the audio and the clip's frame rate, no frames."""
    _count, height, width, _ = request.source_frames.shape
    size = _size(request, spec, nearest_aspect(width, height))
    common = _common(spec, request, request.prompt, "static")
    audio, rate = sound.add_to_clip(acquire, spec, request, watcher, common, size)
    return GenerationResult(
        frames=None, fps=request.source_fps or spec.fps, audio=audio, sample_rate=rate
    )


def _clip(acquire, spec, request, watcher, common, plan) -> np.ndarray:
    """Text or image to video frames: the plan's first call, then extension calls (numbered
    from 0 in the job's progress)."""
    width, height = _size(request, spec)
    common.update(width=width, height=height)
    end_frame = request.end_image is not None
    # A chained clip reaches its end frame in its last (extension) call: the first call is plain
    # image to video (a first-last-frame model needs both images in the one call it makes).
    first_end = end_frame and len(plan) == 1
    pipeline = spec.pipeline_for(request.kind, request.mode, end_frame=first_end)
    num_frames = plan[0]
    # A pipeline with sizes of its own (the demo's Wan VACE) makes smaller frames, resized below.
    call_size = (width, height)
    if request.size is None and pipeline.sizes:
        call_size = pipeline.sizes[request.aspect_ratio]
    kwargs = {**common, **sampling_kwargs(request, pipeline), "num_frames": num_frames}
    kwargs.update(width=call_size[0], height=call_size[1])
    if spec.family_of(pipeline) == "ltx":
        kwargs["frame_rate"] = spec.fps
    if request.kind == IMAGE_TO_VIDEO:
        first = media.fit_image(request.image, (width, height))
        last = media.fit_image(request.end_image, (width, height)) if first_end else None
        kwargs.update(_image_inputs(pipeline, first, last, num_frames))
    if request.kind == REFERENCES:
        kwargs["reference_images"] = _reference_images(request.references, call_size)
    output = watcher.call(acquire(request.kind, first_end), 0, pipeline, **kwargs)
    frames = media.resize_frames(_to_uint8(output.frames[0]), (width, height))
    if len(plan) > 1:
        last = None
        if end_frame:
            last = media.fit_image(request.end_image, (width, height))
        new = _extend_frames(acquire, spec, request, watcher, common, frames, plan[1:], 1, last)
        frames = np.concatenate([frames, new])
    return frames


def _reference_images(photos: list, size: tuple[int, int]) -> list[Image.Image]:
    """The reference photos whole (VACE pads each onto a white canvas of the call's size; a
    crop could cut the subject out), scaled down to fit it so no 25-megapixel photo becomes a
    tensor."""
    return [
        ImageOps.contain(photo.convert("RGB"), size, Image.Resampling.LANCZOS) for photo in photos
    ]


def _image_inputs(pipeline: PipelineSpec, first, last, num_frames: int) -> dict:
    """Conditioning on a first (and last) frame, as the pipeline class takes it: LTX pins
    frames, Wan's image model takes the images, VACE keeps them in its video and mask."""
    if pipeline.class_name == "LTXConditionPipeline":
        from diffusers.pipelines.ltx.pipeline_ltx_condition import LTXVideoCondition

        conditions = [LTXVideoCondition(image=first, frame_index=0)]
        if last is not None:
            conditions.append(LTXVideoCondition(image=last, frame_index=num_frames - 1))
        return {"conditions": conditions}
    if pipeline.class_name == "WanVACEPipeline":
        ends = [last] if last is not None else []
        return _vace_inputs([first], num_frames - 1 - len(ends), ends)
    return {"image": first, **({"last_image": last} if last is not None else {})}


def _vace_inputs(known: list, generate: int, after: list | None = None) -> dict:
    """VACE's video and mask: known frames (mask 0: keep), grey placeholders to generate (mask
    255), then known frames again."""
    after = after or []
    width, height = known[0].size
    grey = Image.new("RGB", (width, height), (127, 127, 127))
    keep, make = (Image.new("L", (width, height), v) for v in (0, 255))
    return {
        "video": [*known, *[grey] * generate, *after],
        "mask": [keep] * len(known) + [make] * generate + [keep] * len(after),
    }


def _extend_frames(acquire, spec, request, watcher, common, frames, counts, first_index, last):
    """New frames after `frames` (at the spec's fps and the call size): one extension call per
    entry of `counts`, each conditioned on the last `extend_context_frames` so far. `last`, an
    end frame, is pinned at the end of the final call."""
    pipeline = spec.pipeline_for(EXTEND, request.mode)
    step = spec.temporal_multiple
    height, width = frames.shape[1:3]
    made = []
    for i, count in enumerate(counts):
        so_far = np.concatenate([frames, *made]) if made else frames
        context = so_far[-spec.extend_context_frames :]
        context = context[-((len(context) - 1) // step * step + 1) :]  # k * step + 1 frames
        images = [Image.fromarray(frame) for frame in context]
        num_frames = len(images) + count
        kwargs = {
            **common,
            **sampling_kwargs(request, pipeline),
            "width": width,
            "height": height,
            "num_frames": num_frames,
        }
        pin = last if i == len(counts) - 1 else None
        if pipeline.class_name == "LTXConditionPipeline":
            from diffusers.pipelines.ltx.pipeline_ltx_condition import LTXVideoCondition

            conditions = [LTXVideoCondition(video=images, frame_index=0)]
            if pin is not None:
                conditions.append(LTXVideoCondition(image=pin, frame_index=num_frames - 1))
            kwargs.update(conditions=conditions, frame_rate=spec.fps)
        else:  # Wan VACE: known frames, then frames to generate (and a pinned end frame)
            ends = [pin] if pin is not None else []
            kwargs.update(_vace_inputs(images, count - len(ends), ends))
        output = watcher.call(acquire(EXTEND), first_index + i, pipeline, **kwargs)
        made.append(_to_uint8(output.frames[0])[len(images) :])
    return np.concatenate(made)


def _extend_source(acquire, spec, request, watcher, common, counts):
    """An extension job: about `duration_s` more seconds after the source. The source's end
    (`request.source_frames`: its last frames only, at least the context), brought to the
    spec's fps and size, conditions the calls; the new frames are brought back to the source's
    size and fps. The result is the new frames only: the worker appends them to the source's
    file without touching its footage (generation/mp4_join.py), so neither this process nor
    the file ever holds the whole chain."""
    tail = np.asarray(request.source_frames, dtype=np.uint8)
    source_fps = request.source_fps or spec.fps
    _count, source_h, source_w, _ = tail.shape
    size = _size(request, spec, nearest_aspect(source_w, source_h))
    context = media.resample_frames(tail, source_fps, spec.fps)[-spec.extend_context_frames :]
    context = media.resize_frames(context, size)
    new = _extend_frames(acquire, spec, request, watcher, common, context, counts, 0, None)
    # Upscaled where the source is bigger than the spec makes, re-timed by blending.
    new, fps, _timings = upscale.finish(
        acquire, spec, request, new, check=watcher.check, size=(source_w, source_h), fps=source_fps
    )
    return GenerationResult(frames=new, fps=fps)


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
