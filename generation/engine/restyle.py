"""Restyle (video to video): a source clip changed as the prompt says, as much as `strength` lets.

The runner cuts the source into windows (`ModelSpec.restyle_windows`) and calls the spec's
restyle pipeline once per window; this module makes each call's inputs:

- LTX-Video (LTXConditionPipeline): the window is encoded by the pipeline's own VAE into the
  normalised latents its denoiser works in (what the pipeline does to its conditioning videos)
  and passed as `latents` with `denoise_strength`: the schedule starts that far from the end,
  from the source noised to that level (diffusers' multi-scale example refines upscaled
  latents the same way).
- Wan 2.1 (WanVideoToVideoPipeline): the frames and `strength`, which the pipeline encodes and
  noises itself.

Both take `strength` of their schedule's steps, rounded down; it is raised to one step where it
would make none. torch is imported inside the functions.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from generation import media

from .specs import PipelineSpec


def source_at(frames: np.ndarray, fps: float, target_fps: float, size: tuple[int, int]):
    """The source clip at the spec's frame rate (same duration) and call size."""
    frames = media.resample_frames(np.asarray(frames, dtype=np.uint8), fps, target_fps)
    return media.resize_frames(frames, size)


def padded(frames: np.ndarray, multiple: int) -> np.ndarray:
    """The frames with the last one repeated up to k * multiple + 1, the counts the family's
    pipelines take; the call's output is cut back to len(frames)."""
    target = -(-(len(frames) - 1) // multiple) * multiple + 1
    if target == len(frames):
        return frames
    return np.concatenate([frames, np.repeat(frames[-1:], target - len(frames), axis=0)])


def effective_strength(strength: float, steps: int) -> float:
    """`strength`, raised where it would denoise no step at all (the pipelines take
    int(steps * strength) steps)."""
    return min(1.0, max(strength, (1 + 1e-6) / max(steps, 1)))


def call_inputs(pipeline: PipelineSpec, frames: np.ndarray, strength: float, fps: int):
    """(keyword arguments, prepare) for one window's call: `prepare(pipe)` gives the arguments
    that need the loaded pipeline (LTX's latents), or is None."""
    images = [Image.fromarray(frame) for frame in frames]
    height, width = frames.shape[1:3]
    if pipeline.class_name == "LTXConditionPipeline":
        kwargs = {"denoise_strength": strength, "num_frames": len(images), "frame_rate": fps}
        return kwargs, lambda pipe: {"latents": ltx_latents(pipe, images, width, height)}
    if pipeline.class_name == "WanVideoToVideoPipeline":
        return {"video": images, "strength": strength}, None
    raise ValueError(f"{pipeline.class_name} cannot restyle")


def ltx_latents(pipe, images: list, width: int, height: int):
    """The clip as LTXConditionPipeline's denoiser sees it: through its video processor and VAE
    (the mean, no sampling: the same source always gives the same start), normalised."""
    import torch
    from diffusers.pipelines.ltx.pipeline_ltx_condition import retrieve_latents

    video = pipe.video_processor.preprocess_video(images, height, width)
    video = video.to(device=pipe._execution_device, dtype=pipe.vae.dtype)
    with torch.no_grad():
        latents = retrieve_latents(pipe.vae.encode(video), sample_mode="argmax")
    return pipe._normalize_latents(latents, pipe.vae.latents_mean, pipe.vae.latents_std)
