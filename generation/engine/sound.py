"""Text or image to video with its soundtrack: one call of LTX-2's pipeline (the spec's SOUND
pipeline), which denoises the video and the audio latents together, each attending to the
other, then decodes the video with its VAE and the audio with its audio VAE and vocoder.

The whole clip is one call (LTX-2 makes up to 20 s at once), because a soundtrack cannot be
chained through extension calls the way frames are. The audio comes back trimmed or padded with
silence to exactly the clip's length (frames / fps), so the MP4's two streams end together.

An image is taken by LTX2ImageToVideoPipeline viewed over the loaded pipeline's components (one
checkpoint, one copy of the weights). Called from runner.py, which imports torch lazily too.
"""

from __future__ import annotations

import contextlib

import numpy as np

from generation import media

from .specs import SOUND, SOUND_CLASS, ModelSpec
from .types import IMAGE_TO_VIDEO, GenerationRequest


def makes_sound(spec: ModelSpec, request: GenerationRequest) -> bool:
    """Whether the request runs on the sound pipeline: it asks for sound, or the spec films
    everything with it (LTX-2: a silent job drops the soundtrack)."""
    if request.sound:
        return True
    pipeline = spec.pipelines.get(request.kind)
    return pipeline is not None and pipeline.class_name == SOUND_CLASS


def clip(acquire, spec: ModelSpec, request: GenerationRequest, watcher, common, size, sampling):
    """One call: the pipeline's frames (float, [0, 1]), its fps, and when the request asks for
    sound the audio fitted to the clip's length and its sample rate (else None, None).
    `common` holds prompt, negative prompt and output type; `size` is (width, height);
    `sampling(request, pipeline)` the runner's sampling arguments."""
    pipeline = spec.pipeline_for(SOUND)
    width, height = size
    num_frames, fps = spec.frames_for(request.duration_s)
    watcher.calls = 1
    kwargs = {
        **common,
        **sampling(request, pipeline),
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
