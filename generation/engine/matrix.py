"""Every kind of job a spec serves, as requests: what the benchmarks, the GPU smoke test and the
engine matrix test run.

A cell is one kind at one quality mode, and for image to video with or without an end frame
(first-last frame) where the spec takes one; text and image to video also with sound where the
spec makes it; sound added to a clip at standard quality only (it has no picture of its own).
Plain data and numpy: importing this never loads torch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from .specs import SOUND, ModelSpec
from .types import (
    ADD_SOUND,
    EXTEND,
    IMAGE_TO_VIDEO,
    KINDS,
    MODES,
    REFERENCES,
    RESTYLE,
    STORYBOARD,
    TEXT_TO_VIDEO,
    GenerationRequest,
    Shot,
)

PROMPT = "an old photo of my grandmother smiling in her garden"
SHOT_PROMPTS = (PROMPT, "she waves at the camera, then turns to water her roses")


@dataclass(frozen=True)
class Cell:
    kind: str
    mode: str = "standard"
    end_frame: bool = False
    sound: bool = False

    @property
    def label(self) -> str:
        return self.kind + ("+end" if self.end_frame else "") + ("+sound" if self.sound else "")

    @property
    def id(self) -> str:
        return f"{self.label}-{self.mode}"

    def checkpoint(self, spec: ModelSpec) -> str:
        return self.pipeline(spec).checkpoint

    def pipeline(self, spec: ModelSpec):
        if self.sound:
            return spec.pipeline_for(SOUND, self.mode)
        return spec.pipeline_for(self.kind, self.mode, end_frame=self.end_frame)


def cells(spec: ModelSpec, modes=MODES, kinds=KINDS) -> list[Cell]:
    """Every kind x mode (x end frame) the spec serves, standard first."""
    found = []
    for mode in modes:
        for kind in kinds:
            if kind not in spec.kinds or (kind == ADD_SOUND and mode != MODES[0]):
                continue
            found.append(Cell(kind, mode))
            if kind == IMAGE_TO_VIDEO and spec.supports_end_frame:
                found.append(Cell(kind, mode, end_frame=True))
            # Where every clip is made with the sound pipeline, its silent cells run it already.
            if kind in (TEXT_TO_VIDEO, IMAGE_TO_VIDEO) and spec.supports_sound:
                found.append(Cell(kind, mode, sound=True))
    return found


def grouped_by_checkpoint(spec: ModelSpec, found: list[Cell]) -> list[Cell]:
    """The same cells with those of one checkpoint next to each other (first come first), so a
    run can free each pipeline once its cells are done."""
    order: dict[str, list[Cell]] = {}
    for cell in found:
        order.setdefault(cell.checkpoint(spec), []).append(cell)
    return [cell for group in order.values() for cell in group]


def size_of(spec: ModelSpec, cell: Cell, size: tuple[int, int] | None, aspect: str = "16:9"):
    """(width, height) the cell runs at: `size` when given, else the spec's."""
    if size is not None:
        return size
    return spec.size_for(aspect, cell.mode, kind=cell.kind)


def request_for(
    spec: ModelSpec,
    cell: Cell,
    *,
    size: tuple[int, int] | None = None,
    aspect: str = "16:9",
    duration_s: float = 5,
    steps: int | None = None,
    source_frames: int | None = None,
    seed: int = 42,
) -> GenerationRequest:
    """The cell's request. `size` replaces the spec's size (it must follow the family's
    multiples). An extension's source is a synthetic clip of `source_frames` frames (default:
    `duration_s` at the spec's fps) at that size. A storyboard has two shots of `duration_s`
    each (its request's `duration_s` is their sum). A reference video has two reference photos
    (a subject and a differently shaped second one). A restyle's source is a synthetic clip of
    `duration_s` (the frames the spec would make for it), restyled at strength 0.6; so is the
    clip sound is added to."""
    width, height = size_of(spec, cell, size, aspect)
    values = {}
    if cell.kind == IMAGE_TO_VIDEO:
        values["image"] = pattern_image(width, height)
        if cell.end_frame:
            values["end_image"] = pattern_image(width, height, invert=True)
    if cell.kind == EXTEND:
        count = source_frames or spec.frames_for(duration_s)[0]
        values.update(source_frames=moving_clip(count, width, height), source_fps=spec.fps)
    if cell.kind == REFERENCES:
        values["references"] = reference_photos(width, height)
    if cell.kind == ADD_SOUND:  # the clip's own frames and rate, as the worker decodes them
        count = spec.frames_for(duration_s)[0]
        values.update(source_frames=moving_clip(count, width, height), source_fps=spec.fps)
    if cell.kind == RESTYLE:
        count = spec.frames_for(duration_s)[0]
        values.update(
            source_frames=moving_clip(count, width, height), source_fps=spec.fps, strength=0.6
        )
    if cell.kind == STORYBOARD:
        values["shots"] = storyboard_shots(duration_s)
        duration_s = sum(shot.duration_s for shot in values["shots"])
    return GenerationRequest(
        kind=cell.kind,
        prompt=PROMPT,
        aspect_ratio=aspect,
        duration_s=duration_s,
        mode=cell.mode,
        seed=seed,
        num_inference_steps=steps,
        size=size,
        sound=cell.sound,
        **values,
    )


def storyboard_shots(duration_s: float) -> list[Shot]:
    """Two shots of `duration_s` each, the second with a camera move."""
    return [
        Shot(SHOT_PROMPTS[0], duration_s),
        Shot(SHOT_PROMPTS[1], duration_s, camera_movement="pan_left"),
    ]


def reference_photos(width: int, height: int) -> list[Image.Image]:
    """Two reference photos: the pattern at the call's shape and an inverted portrait one (VACE
    pads each onto the frame, so their shapes need not match the video's)."""
    return [pattern_image(width, height), pattern_image(height, width * 2, invert=True)]


def pattern_image(width: int, height: int, invert: bool = False) -> Image.Image:
    """A checkerboard with colour ramps (inverted: the other squares lit)."""
    y, x = np.mgrid[0:height, 0:width]
    board = (y // 64 + x // 64 + int(invert)) % 2
    rgb = np.stack([board * 200 + 30, x * 255 // width, y * 255 // height], axis=-1)
    return Image.fromarray(rgb.astype(np.uint8))


def moving_clip(count: int, width: int, height: int) -> np.ndarray:
    """(count, height, width, 3) uint8: a gradient that moves a little every frame."""
    y, x = np.mgrid[0:height, 0:width]
    frames = np.empty((count, height, width, 3), np.uint8)
    for i in range(count):
        frames[i, ..., 0] = (x + 4 * i) % width * 255 // width
        frames[i, ..., 1] = (y + 2 * i) % height * 255 // height
        frames[i, ..., 2] = 128
    return frames
