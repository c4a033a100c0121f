"""Text or image to video with its soundtrack: one call of LTX-2's pipeline (the spec's SOUND
pipeline), which denoises the video and the audio latents together, each attending to the
other, then decodes the video with its VAE and the audio with its audio VAE and vocoder.

The whole clip is one call (LTX-2 makes up to 20 s at once), because a soundtrack cannot be
chained through extension calls the way frames are. The audio comes back trimmed or padded with
silence to exactly the clip's length (frames / fps), so the MP4's two streams end together.

An image is taken by LTX2ImageToVideoPipeline viewed over the loaded pipeline's components (one
checkpoint, one copy of the weights). Called from runner.py, which imports torch lazily too.

Adding sound to an existing clip (`add_to_clip`) runs the same checkpoint as
LTX2ConditionPipeline (spec key ADD_SOUND, a loader view): the whole clip, at the spec's frame
rate and call size, is one condition at latent index 0 with strength 1. Its latents then
replace every video token (conditioning mask 1: the video's timestep is 0 at every step and
the denoised video is the clean condition), so the transformer denoises only the audio
stream, attending to the fixed video through its audio-video cross-attention. The pipeline is
called for latents (the video VAE's decode of frames we would throw away is skipped) and the
audio latents are decoded as the pipeline itself decodes them (audio VAE, then vocoder). The
user's frames never leave the worker's file: only the audio comes back.
"""

from __future__ import annotations

import contextlib

import numpy as np

from generation import media

from . import restyle
from .sampling import sampling_kwargs
from .specs import ADD_SOUND, SOUND, SOUND_CLASS, ModelSpec
from .types import IMAGE_TO_VIDEO, GenerationRequest


def makes_sound(spec: ModelSpec, request: GenerationRequest) -> bool:
    """Whether the request runs on the sound pipeline: it asks for sound, or the spec films
    everything with it (LTX-2: a silent job drops the soundtrack)."""
    if request.sound:
        return True
    pipeline = spec.pipelines.get(request.kind)
    return pipeline is not None and pipeline.class_name == SOUND_CLASS


def clip(acquire, spec: ModelSpec, request: GenerationRequest, watcher, common, size):
    """One call: the pipeline's frames (float, [0, 1]), its fps, and when the request asks for
    sound the audio fitted to the clip's length and its sample rate (else None, None).
    `common` holds prompt, negative prompt and output type; `size` is (width, height)."""
    pipeline = spec.pipeline_for(SOUND)
    width, height = size
    num_frames, fps = spec.frames_for(request.duration_s)
    watcher.calls = 1
    kwargs = {
        **common,
        **sampling_kwargs(request, pipeline),
        "width": width,
        "height": height,
        "num_frames": num_frames,
        "frame_rate": float(fps),
    }
    image = request.kind == IMAGE_TO_VIDEO
    if image:
        kwargs["image"] = media.fit_image(request.image, (width, height))
    seen = {}
    output = watcher.call(_prepared(acquire(SOUND), image, seen), 0, pipeline, **kwargs)
    if not request.sound:
        return output.frames[0], fps, None, None
    sample_rate = int(seen["pipe"].vocoder.config.output_sampling_rate)
    audio = output.audio[0].float().cpu().numpy()
    return output.frames[0], fps, fit_audio(audio, sample_rate, num_frames / fps), sample_rate


def add_to_clip(acquire, spec: ModelSpec, request, watcher, common, size):
    """The soundtrack of `request.source_frames` (at `request.source_fps`) and its sample rate,
    exactly as long as the clip. `size` is the call's (width, height); the clip is brought to
    it and to the spec's frame rate (same duration), then padded to k * 8 + 1 frames by
    repeating its last one (the audio of the padding is cut off)."""
    from diffusers.pipelines.ltx2.pipeline_ltx2_condition import LTX2VideoCondition

    pipeline = spec.pipeline_for(ADD_SOUND)
    fps = request.source_fps or spec.fps
    seconds = len(request.source_frames) / fps
    frames = restyle.source_at(request.source_frames, fps, spec.fps, size)
    frames = restyle.padded(frames, spec.temporal_multiple)
    width, height = size
    watcher.calls = 1
    kwargs = {
        **common,
        **sampling_kwargs(request, pipeline),
        "conditions": [LTX2VideoCondition(frames=frames, index=0, strength=1.0)],
        "width": width,
        "height": height,
        "num_frames": len(frames),
        "frame_rate": float(spec.fps),
    }
    seen = {}
    audio = watcher.call(_sound_only(acquire(ADD_SOUND), seen), 0, pipeline, **kwargs)
    sample_rate = int(seen["pipe"].vocoder.config.output_sampling_rate)
    audio = audio[0].float().cpu().numpy()
    return fit_audio(audio, sample_rate, seconds), sample_rate


class _SoundOnly:
    """An LTX-2 pipeline that returns only the decoded audio of a call: it asks the pipeline
    for latents, then decodes the audio ones as the pipeline's own decode does. Everything
    else (scheduler, device, progress) is the pipeline's."""

    def __init__(self, pipe):
        object.__setattr__(self, "_pipe", pipe)

    def __getattr__(self, name):
        return getattr(self._pipe, name)

    def __setattr__(self, name, value):  # a scheduler swapped in goes to the pipeline
        setattr(self._pipe, name, value)

    def __call__(self, **kwargs):
        import torch

        pipe = self._pipe
        output = pipe(**{**kwargs, "output_type": "latent"})
        with torch.no_grad():
            latents = output.audio.to(pipe.audio_vae.dtype)
            mel = pipe.audio_vae.decode(latents, return_dict=False)[0]
            return pipe.vocoder(mel)


@contextlib.contextmanager
def _sound_only(acquired, seen: dict):
    with acquired as pipe:
        seen["pipe"] = pipe
        yield _SoundOnly(pipe)


def fit_audio(audio: np.ndarray, sample_rate: int, seconds: float) -> np.ndarray:
    """(channels, samples) cut or padded with silence to `seconds`, clipped to [-1, 1]."""
    audio = np.atleast_2d(np.asarray(audio, np.float32))
    length = round(seconds * sample_rate)
    if audio.shape[1] >= length:
        audio = audio[:, :length]
    else:
        audio = np.pad(audio, ((0, 0), (0, length - audio.shape[1])))
    return np.clip(audio, -1.0, 1.0)


@contextlib.contextmanager
def _prepared(acquired, image: bool, seen: dict):
    """The acquired LTX-2 pipeline, as LTX2ImageToVideoPipeline for an image (the same
    components, viewed once per loaded pipeline); `seen["pipe"]` is what was called."""
    with acquired as pipe:
        if image:
            view = getattr(pipe, "_image_view", None)
            if view is None:
                from diffusers import LTX2ImageToVideoPipeline

                view = LTX2ImageToVideoPipeline(**pipe.components)
                view.set_progress_bar_config(disable=True)  # as the loader sets the pipeline's
                pipe._image_view = view
            pipe = view
        seen["pipe"] = pipe
        yield pipe
