"""What the engine takes and gives back. Plain dataclasses: importing this never loads torch."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

TEXT_TO_VIDEO = "text_to_video"
IMAGE_TO_VIDEO = "image_to_video"
EXTEND = "extend"
TEXT_TO_PICTURE = "text_to_picture"
# Several shots, each with its own prompt, made as one continuous clip (Kling 3.0's multi-shot).
STORYBOARD = "storyboard"
# A video of the people, objects or style in 1-4 reference photos (Kling's "Elements").
REFERENCES = "references"
# An existing clip changed as a prompt says, as much as `strength` lets it (Runway Aleph, Pika).
RESTYLE = "restyle"
# A soundtrack for an existing silent clip, its frames kept as they are (LTX-2's audio stream
# denoised against the clip's video, which stays fixed): the result is the audio only.
ADD_SOUND = "add_sound"
KINDS = (
    TEXT_TO_VIDEO,
    IMAGE_TO_VIDEO,
    EXTEND,
    TEXT_TO_PICTURE,
    STORYBOARD,
    REFERENCES,
    RESTYLE,
    ADD_SOUND,
)
VIDEO_KINDS = (TEXT_TO_VIDEO, IMAGE_TO_VIDEO, EXTEND, STORYBOARD, REFERENCES, RESTYLE)
MIN_SHOTS, MAX_SHOTS = 2, 6
MIN_REFERENCES, MAX_REFERENCES = 1, 4
# How much a restyle may change its source: 0 keeps it, 1 redraws it from noise.
MIN_STRENGTH, MAX_STRENGTH, DEFAULT_STRENGTH = 0.1, 1.0, 0.6
# The longest clip sound is added to in one call (LTX-2 makes up to 20 s at once).
MAX_ADD_SOUND_SECONDS = 20.0

ASPECT_RATIOS = ("16:9", "9:16", "1:1")
MODES = ("standard", "professional")


def nearest_aspect(width: int, height: int) -> str:
    """The aspect ratio of ASPECT_RATIOS closest to width:height (on a log scale, so 2:1 and 1:2
    are as far from 1:1)."""

    def distance(name: str) -> float:
        across, down = (int(side) for side in name.split(":"))
        return abs(math.log(width / height * down / across))

    return min(ASPECT_RATIOS, key=distance)


@dataclass
class Shot:
    """One shot of a storyboard: what happens, for about how long, and how the camera moves."""

    prompt: str
    duration_s: float
    camera_movement: str = "static"


@dataclass(frozen=True)
class Adapter:
    """A LoRA adapter for one job (an effect's): its file on this worker, the name it is kept
    under in the pipeline (the same file keeps the same name) and how strongly it applies."""

    name: str
    path: str
    weight: float = 1.0


class AdapterError(Exception):
    """The job's adapter does not load into the pipeline (a file that does not fit it)."""


@dataclass
class GenerationRequest:
    """One job's inputs, already validated by the web tier.

    `guidance_scale` wins over `creativity` (0 = follow the prompt closely, 1 = free); with neither
    the spec's default guidance is used. `num_inference_steps` None means the spec's default.
    `size` (width, height) replaces the spec's size for the aspect ratio and mode (tests and
    benchmarks run real architectures small); it must follow the family's multiples.
    For `extend`, `source_frames` are the source video's last frames (T, H, W, 3) uint8, at
    least the spec's `extend_context_frames` at its fps (more are ignored), and `source_fps`
    its frame rate (None: assume the spec's fps); the result holds the new frames only.
    For `storyboard`, `shots` (MIN_SHOTS to MAX_SHOTS) replace `prompt`, `duration_s` and
    `camera_movement`: the clip lasts the sum of their durations.
    For `references`, `references` (MIN_REFERENCES to MAX_REFERENCES photos of people, objects
    or a style) condition the first call, as Wan VACE's `reference_images`.
    For `restyle`, `source_frames` are the whole source clip (T, H, W, 3) uint8 at `source_fps`
    and `strength` (MIN_STRENGTH to MAX_STRENGTH) how much of it may change; the result has the
    source's duration (its frame count at the spec's fps), `duration_s` is ignored.
    `adapter` (an effect's LoRA) is switched on in the pipeline for this job only; `restore`
    ("colour", "faces") first retouches `image` with the spec's picture pipeline (restore.py).
    For `add_sound`, `source_frames` are the whole silent clip (T, H, W, 3) uint8 at
    `source_fps`: the result has no frames, only the audio, exactly as long as the clip
    (T / source_fps); the worker muxes it with the clip's own video stream, untouched.
    `sound`: text or image to video with its soundtrack (a spec with a sound pipeline; no end
    frame): the prompt may describe sounds and speech.
    """

    kind: str
    prompt: str
    negative_prompt: str = ""
    aspect_ratio: str = "16:9"
    duration_s: int = 5
    mode: str = "standard"
    guidance_scale: float | None = None
    creativity: float | None = None
    seed: int = 0
    image: Image.Image | None = None
    end_image: Image.Image | None = None
    source_frames: np.ndarray | None = None
    source_fps: float | None = None
    num_images: int = 1
    camera_movement: str = "static"
    num_inference_steps: int | None = None
    size: tuple[int, int] | None = None
    shots: list[Shot] = field(default_factory=list)
    references: list[Image.Image] = field(default_factory=list)
    strength: float = DEFAULT_STRENGTH
    adapter: Adapter | None = None
    restore: tuple[str, ...] = ()
    sound: bool = False


@dataclass
class GenerationResult:
    """Video kinds fill `frames` (T, H, W, 3) uint8 and `fps`; pictures fill `images`. A clip
    with sound also fills `audio`, (channels, samples) float32 in [-1, 1] at `sample_rate`,
    exactly as long as its frames last (frames / fps). Adding sound to a clip fills `audio`,
    `sample_rate` and `fps` (the clip's) only: its frames are the user's own.

    `timings` holds seconds per stage: load, prepare, denoise, decode, post, total, and
    denoise_per_step.
    """

    frames: np.ndarray | None
    fps: int | None
    images: list[Image.Image] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    audio: np.ndarray | None = None
    sample_rate: int | None = None


class Canceled(Exception):
    """The job was canceled while the pipeline ran; raised from the step callback."""
