"""The finishing stage of a generated video: the mode's output size and frame rate.

    frames, fps = finish(acquire, spec, request, frames, check=watcher.check)

1. Size. Where a mode's output is bigger than what its pipelines make (`ModelSpec.output_sizes`),
   the spec's upscaler runs: for LTX-Video diffusers' LTXLatentUpsamplePipeline, which encodes the
   frames with the spec's VAE, doubles the latents in space with LTX's latent upsampler and
   decodes them (the demo spec: the same class, tiny and random). A Lanczos resize then brings
   the 2x frames to the exact output size (LTX 1216x704 -> 2432x1408 -> 1920x1080, centre-cropped
   to cover). The clip goes through in chunks of `upscale_chunk_frames` (8k + 1, the VAE's
   temporal grid; a short last chunk is padded with its last frame and trimmed), each turned
   into uint8 on the device: the working memory, on the GPU and in host memory, is one chunk's
   whatever the clip's length, which is what the memory plan reserves (`memory.working_bytes`).
2. Frame rate. Where a mode's output frame rate differs from the spec's (`output_fps`), frames
   are re-timed by blending: output frame j shows the clip at time j / target, the weighted mix
   of the two generated frames around it. Blending is the cheapest real interpolation (one
   multiply-add per pixel, integer arithmetic), never invents motion and keeps the duration
   exact; its cost is a soft double image on fast motion, where motion-compensated methods
   (optical flow, RIFE) do better and cost a model or seconds per frame.

An extension's new frames end at its source's size and frame rate through the same stage
(`runner._extend_source`), so a 1080p 30 fps video is continued upscaled and blended, not
stretched and stuttering. torch is imported inside the functions.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from PIL import Image

from generation import media

from .specs import UPSCALE, ModelSpec
from .types import GenerationRequest


def finish(
    acquire,
    spec: ModelSpec,
    request: GenerationRequest,
    frames: np.ndarray,
    *,
    check: Callable,
    size: tuple[int, int] | None = None,
    fps: float | None = None,
) -> tuple[np.ndarray, int, dict[str, float]]:
    """`frames` (T, H, W, 3) uint8 at the spec's fps, as the user gets them in the request's
    mode (or at `size` and `fps`: an extension's source's): (frames, fps, seconds per stage).
    Bigger goes through the spec's upscaler where it has one, else a resize. `acquire(kind)` is
    the runner's pipeline context; `check()` raises Canceled between chunks."""
    timings = {}
    size = tuple(size or output_size(spec, request))
    made = (frames.shape[2], frames.shape[1])
    if made != size:
        started = time.perf_counter()
        if spec.upscaler is not None and size[0] * size[1] > made[0] * made[1]:
            frames = upscale(acquire, spec, request, frames, size, check=check)
            timings["upscale"] = time.perf_counter() - started
        else:
            frames = media.resize_frames(frames, size)
    fps = round(fps or spec.output_frame_rate(request.mode))
    if fps != spec.fps:
        started = time.perf_counter()
        frames = retime(frames, spec.fps, fps)
        timings["retime"] = time.perf_counter() - started
    return frames, fps, timings


def output_size(spec: ModelSpec, request: GenerationRequest) -> tuple[int, int]:
    """(width, height) the request's video ends at. A request with its own generation `size`
    (tests, benchmarks) is scaled by the same factor as the spec's size for its aspect and
    mode, to even numbers."""
    width, height = spec.output_size(request.aspect_ratio, request.mode)
    if request.size is None:
        return width, height
    made_width, _made_height = spec.size_for(request.aspect_ratio, request.mode)
    scale = width / made_width
    return tuple(_even(side * scale) for side in request.size)


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def upscale(
    acquire,
    spec: ModelSpec,
    request: GenerationRequest,
    frames: np.ndarray,
    size: tuple[int, int],
    *,
    check: Callable,
) -> np.ndarray:
    """The frames upsampled 2x by the spec's upscaler, chunk by chunk, then resized to `size`
    (width, height); (T, size[1], size[0], 3) uint8."""
    import torch

    count, height, width, _ = frames.shape
    pipeline = spec.upscaler
    step = spec.temporal_multiple
    generator = torch.Generator("cpu").manual_seed(request.seed)
    out = np.empty((count, size[1], size[0], 3), np.uint8)
    with acquire(UPSCALE) as pipe:
        for start in range(0, count, spec.upscale_chunk_frames):
            check()
            part = frames[start : start + spec.upscale_chunk_frames]
            made = len(part)
            padded = -(-(made - 1) // step) * step + 1  # the VAE's k * step + 1 frames
            images = [Image.fromarray(f) for f in part]
            images += images[-1:] * (padded - made)
            with torch.inference_mode():
                video = pipe(
                    video=images,
                    width=width,
                    height=height,
                    generator=generator,
                    output_type="pt",
                    **pipeline.call_options,
                ).frames[0]  # (T, 3, 2H, 2W) in [0, 1], on the device
                video = video[:made].mul(255).add_(0.5).clamp_(0, 255).to(torch.uint8)
                video = video.permute(0, 2, 3, 1).cpu().numpy()
            out[start : start + made] = media.resize_frames(video, size)
            del video
    return out


def retime(frames: np.ndarray, fps: float, target_fps: float) -> np.ndarray:
    """The clip at `target_fps`, same duration (round(T * target / fps) frames), each output
    frame the time-weighted blend of the two input frames around its time (weights in 1/256)."""
    count = len(frames)
    if abs(fps - target_fps) < 1e-9 or count < 2:
        return frames
    made = frame_count(count, fps, target_fps)
    out = np.empty((made, *frames.shape[1:]), np.uint8)
    mix = np.empty(frames.shape[1:], np.uint16)
    other = np.empty(frames.shape[1:], np.uint16)
    for j in range(made):
        position = j * fps / target_fps
        i = min(int(position), count - 1)
        weight = round((position - i) * 256)
        if i + 1 >= count or weight == 0:
            out[j] = frames[i]
        elif weight == 256:
            out[j] = frames[i + 1]
        else:
            # (a * (256 - w) + b * w + 128) >> 8 stays below 2**16.
            np.multiply(frames[i], 256 - weight, out=mix, dtype=np.uint16)
            np.multiply(frames[i + 1], weight, out=other, dtype=np.uint16)
            mix += other
            mix += 128
            mix >>= 8
            out[j] = mix
    return out


def frame_count(count: int, fps: float, target_fps: float) -> int:
    """Frames of a `count`-frame clip at `fps` once re-timed to `target_fps`."""
    if abs(fps - target_fps) < 1e-9 or count < 2:
        return count
    return max(1, round(count * target_fps / fps))
