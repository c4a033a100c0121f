"""Retouch an old photo before it is brought to life: colourisation and face restoration.

Done with what the spec already loads: its picture pipeline (Flux) run as image-to-image
(`FluxImg2ImgPipeline.from_pipe`, the same components, nothing loaded twice) at a low strength
with a restoration prompt, so the photo's people and composition stay while a real model adds
colour and clears faces, scratches and blur. Chosen over a classical method because no
classical colouriser exists in the stack (a dedicated face restorer such as GFPGAN would be a
new heavy dependency). With the demo spec's untrained weights the retouch adds noise: the path,
not the look, is what the tests check.
"""

from __future__ import annotations

import contextlib
import weakref

from generation import media

from .sampling import sampling_kwargs
from .specs import ModelSpec
from .types import TEXT_TO_PICTURE, GenerationRequest, nearest_aspect

RETOUCHES = ("colour", "faces")
# Low: the photo's people must stay themselves. About a third of the schedule is re-drawn.
STRENGTH = 0.35
# Short: Flux's CLIP encoder reads 77 tokens.
PROMPTS = {
    "colour": "restored colour photograph, natural skin tones, realistic colours",
    "faces": "sharp natural faces, restored detail, no scratches or blur",
}
_IMG2IMG = {"FluxPipeline": "FluxImg2ImgPipeline"}
_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def available(spec: ModelSpec) -> bool:
    """Whether the spec can retouch photos: it makes pictures with a pipeline that has an
    image-to-image sibling."""
    if TEXT_TO_PICTURE not in spec.kinds:
        return False
    return spec.pipeline_for(TEXT_TO_PICTURE).class_name in _IMG2IMG


def prompt_for(retouches) -> str:
    return "; ".join(PROMPTS[name] for name in RETOUCHES if name in retouches)


def retouch(acquire, spec: ModelSpec, request: GenerationRequest, watcher):
    """`request.image` retouched as `request.restore` asks, at the spec's picture size
    nearest the photo's shape (the video call fits it to its own size afterwards)."""
    unknown = set(request.restore) - set(RETOUCHES)
    if unknown or request.image is None or not available(spec):
        raise ValueError(f"cannot retouch with {spec.id!r}: {sorted(unknown) or 'no photo'}")
    pipeline = spec.pipeline_for(TEXT_TO_PICTURE, request.mode)
    aspect = nearest_aspect(*request.image.size)
    width, height = spec.size_for(aspect, request.mode, kind=TEXT_TO_PICTURE)
    photo = media.fit_image(request.image, (width, height))
    output = watcher.call(
        _img2img(acquire(TEXT_TO_PICTURE)),
        0,
        pipeline,
        prompt=prompt_for(request.restore),
        image=photo,
        strength=STRENGTH,
        width=width,
        height=height,
        output_type="pil",
        **sampling_kwargs(request, pipeline),
    )
    return output.images[0]


@contextlib.contextmanager
def _img2img(acquired):
    """The acquired picture pipeline as its image-to-image sibling (made once per pipeline)."""
    import diffusers

    with acquired as pipe:
        if pipe not in _CACHE:
            cls = getattr(diffusers, _IMG2IMG[pipe.__class__.__name__])
            _CACHE[pipe] = cls.from_pipe(pipe)
            _CACHE[pipe].set_progress_bar_config(disable=True)
        yield _CACHE[pipe]
