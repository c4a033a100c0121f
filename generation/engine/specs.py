"""The registry of model specs: what each model can do, at which sizes, lengths and frame rates.

The web tier imports this to know which options to offer, so it must never import torch. A spec
names diffusers pipeline classes by string; `loader.py` turns them into objects on a worker.

Size and length rules per family:
- LTX-Video: width and height multiples of 32 (the VAE compresses 32x spatially), frame counts
  8k + 1 (8x temporal compression plus the first frame).
- Wan 2.1: multiples of 16 (8x VAE, 2x2 transformer patches), frame counts 4k + 1.
- Flux pictures: multiples of 16.

`frames_for(d)` is fps * d rounded down to the family's multiple, plus one: exactly the number
of frames the output has (LTX at 24 fps: 5 s -> 121, 10 s -> 241; Wan at 16 fps: 81, 161).

The default spec, `tiny`, is the demo model (random weights, the output is noise): LTX's
LTXConditionPipeline and Flux's FluxPipeline built in code. 16:9 -> 512x288, 9:16 -> 288x512,
1:1 -> 384x384 (professional: 1024x576, 576x1024, 768x768); 8 fps, so 5 s -> 41 frames and
10 s -> 81; 8 denoising steps; pictures at the standard video sizes, 4 steps. An extension
conditions on the source's last 17 frames (about 2 s). On two CPU cores a 5 s clip takes about
half a second to two seconds once the pipeline is warm (docs/BENCHMARKS.md).

Camera presets: the real models take camera direction from the prompt, so a preset appends one
sentence (CAMERA_MOVEMENTS) to the user's prompt; "master shots" are the compound moves.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .types import (
    ASPECT_RATIOS,
    EXTEND,
    IMAGE_TO_VIDEO,
    KINDS,
    MODES,
    TEXT_TO_PICTURE,
    TEXT_TO_VIDEO,
    VIDEO_KINDS,
)

# family -> (spatial multiple, temporal multiple)
FAMILY_RULES = {"ltx": (32, 8), "wan": (16, 4)}
PICTURE_MULTIPLE = 16
# A key in ModelSpec.pipelines that is not a request kind: image to video with an end frame.
FIRST_LAST_FRAME = "image_to_video_end"


@dataclass(frozen=True)
class PipelineSpec:
    """One diffusers pipeline of a spec: its class, checkpoint and sampling defaults.

    `checkpoint` is a hub id ("org/name"); the loader looks for it under the configured model
    directory first, then in the hub cache, and never downloads. `guidance_range` maps the
    creativity slider: creativity 0 -> the high end (follow the prompt), 1 -> the low end.
    `call_options` are extra keyword arguments for the pipeline's __call__.
    """

    class_name: str
    checkpoint: str
    default_steps: int
    guidance_range: tuple[float, float]
    call_options: dict = field(default_factory=dict)

    @property
    def default_guidance(self) -> float:
        low, high = self.guidance_range
        return (low + high) / 2

    def guidance_for(self, creativity: float | None) -> float:
        if creativity is None:
            return self.default_guidance
        low, high = self.guidance_range
        return high - min(max(creativity, 0.0), 1.0) * (high - low)


@dataclass(frozen=True)
class CameraMovement:
    label: str
    prompt: str
    master_shot: bool = False


# Real models take camera direction from the prompt; a preset appends one sentence to it.
CAMERA_MOVEMENTS = {
    "static": CameraMovement("Static", "The camera stays still, a locked-off shot."),
    "pan_left": CameraMovement("Pan left", "The camera pans slowly to the left."),
    "pan_right": CameraMovement("Pan right", "The camera pans slowly to the right."),
    "tilt_up": CameraMovement("Tilt up", "The camera tilts slowly upward."),
    "tilt_down": CameraMovement("Tilt down", "The camera tilts slowly downward."),
    "zoom_in": CameraMovement("Zoom in", "The camera slowly zooms in on the subject."),
    "zoom_out": CameraMovement("Zoom out", "The camera slowly zooms out to reveal the scene."),
    "roll": CameraMovement("Roll", "The camera rolls slowly clockwise around its axis."),
    "orbit": CameraMovement(
        "Orbit", "The camera orbits smoothly around the subject in a half circle.", True
    ),
    "crane_up": CameraMovement(
        "Crane up", "The camera cranes up and back, revealing the scene from above.", True
    ),
    "dolly_zoom": CameraMovement(
        "Dolly zoom", "Dolly zoom: the camera moves back while zooming in on the subject.", True
    ),
    "tracking": CameraMovement(
        "Tracking shot", "A smooth tracking shot follows the subject as it moves forward.", True
    ),
}


def apply_camera_movement(prompt: str, movement: str) -> str:
    """The prompt with the preset's sentence appended; unknown presets raise ValueError."""
    if movement not in CAMERA_MOVEMENTS:
        raise ValueError(f"unknown camera movement {movement!r}")
    suffix = CAMERA_MOVEMENTS[movement].prompt
    prompt = prompt.strip()
    if not suffix:
        return prompt
    if prompt and prompt[-1] not in ".!?。！？":
        prompt += "."
    return f"{prompt} {suffix}".strip()


def _swap(size: tuple[int, int]) -> tuple[int, int]:
    return size[1], size[0]


def _sizes(landscape: tuple[int, int], square: tuple[int, int]) -> dict[str, tuple[int, int]]:
    return {"16:9": landscape, "9:16": _swap(landscape), "1:1": square}


@dataclass(frozen=True)
class ModelSpec:
    """A model the studio can run: one video family plus a picture pipeline.

    `pipelines` maps each request kind the spec serves to its pipeline (several kinds may share
    one, as LTX's LTXConditionPipeline does); `FIRST_LAST_FRAME` names an optional pipeline for
    image to video with an end frame.
    """

    id: str
    label: str
    family: str
    pipelines: dict[str, PipelineSpec]
    fps: int
    video_sizes: dict[str, dict[str, tuple[int, int]]]
    picture_sizes: dict[str, tuple[int, int]]
    extend_context_frames: int
    default_negative_prompt: str = ""
    is_demo: bool = False
    description: str = ""

    def __post_init__(self):
        spatial, temporal = FAMILY_RULES[self.family]
        for mode in MODES:
            for aspect in ASPECT_RATIOS:
                w, h = self.video_sizes[mode][aspect]
                if w % spatial or h % spatial:
                    raise ValueError(f"{self.id}: {w}x{h} is not a multiple of {spatial}")
        for w, h in self.picture_sizes.values():
            if w % PICTURE_MULTIPLE or h % PICTURE_MULTIPLE:
                raise ValueError(f"{self.id}: picture {w}x{h} not a multiple of 16")
        if (self.extend_context_frames - 1) % temporal:
            raise ValueError(f"{self.id}: extend context must be {temporal}k + 1 frames")

    @property
    def capabilities(self) -> frozenset[str]:
        return frozenset(kind for kind in KINDS if kind in self.pipelines)

    @property
    def checkpoint(self) -> str:
        """The main (text to video) checkpoint; `pipelines` has one per kind."""
        return self.pipelines[TEXT_TO_VIDEO].checkpoint

    @property
    def spatial_multiple(self) -> int:
        return FAMILY_RULES[self.family][0]

    @property
    def temporal_multiple(self) -> int:
        return FAMILY_RULES[self.family][1]

    @property
    def supports_end_frame(self) -> bool:
        """LTX conditions on any frame; Wan needs its first-last-frame checkpoint."""
        return self.family == "ltx" or FIRST_LAST_FRAME in self.pipelines

    def pipeline_for(self, kind: str, *, end_frame: bool = False) -> PipelineSpec:
        if kind not in self.pipelines:
            raise ValueError(f"model {self.id!r} cannot do {kind!r}")
        if kind == IMAGE_TO_VIDEO and end_frame and FIRST_LAST_FRAME in self.pipelines:
            return self.pipelines[FIRST_LAST_FRAME]
        return self.pipelines[kind]

    def size_for(self, aspect_ratio: str, mode: str = "standard", kind: str | None = None):
        """(width, height) of the output for this aspect ratio and mode."""
        if aspect_ratio not in ASPECT_RATIOS:
            raise ValueError(f"unknown aspect ratio {aspect_ratio!r}")
        if kind == TEXT_TO_PICTURE:
            return self.picture_sizes[aspect_ratio]
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        return self.video_sizes[mode][aspect_ratio]

    def frames_for(self, duration_s: float) -> tuple[int, int]:
        """(num_frames, fps) for a clip of about `duration_s`: fps * duration rounded down to the
        family's k * multiple + 1, which is exactly the number of frames the output has."""
        step = self.temporal_multiple
        num_frames = int(self.fps * duration_s) // step * step + 1
        return max(num_frames, step + 1), self.fps

    def default_steps(self, kind: str) -> int:
        return self.pipeline_for(kind).default_steps


LTX_NEGATIVE = "worst quality, inconsistent motion, blurry, jittery, distorted"
WAN_NEGATIVE = (
    "Bright tones, overexposed, static, blurred details, subtitles, style, works, paintings, "
    "images, static, overall gray, worst quality, low quality, JPEG compression residue, ugly, "
    "incomplete, extra fingers, poorly drawn hands, poorly drawn faces, deformed, disfigured, "
    "misshapen limbs, fused fingers, still picture, messy background, three legs, many people "
    "in the background, walking backwards"
)

# FLUX.1-schnell: a 4-step distilled model, guidance-free, Apache-2.0.
FLUX_SCHNELL = PipelineSpec(
    "FluxPipeline",
    "black-forest-labs/FLUX.1-schnell",
    default_steps=4,
    guidance_range=(0.0, 0.0),
    call_options={"max_sequence_length": 256},
)
FLUX_PICTURE_SIZES = {"16:9": (1344, 768), "9:16": (768, 1344), "1:1": (1024, 1024)}

_LTX = PipelineSpec(
    "LTXConditionPipeline",
    "Lightricks/LTX-Video-0.9.5",
    default_steps=40,
    guidance_range=(1.5, 4.5),
    call_options={"decode_timestep": 0.05, "decode_noise_scale": 0.025},
)
_TINY_LTX = PipelineSpec(
    "LTXConditionPipeline", "tiny/ltx", default_steps=8, guidance_range=(1.0, 5.0)
)
_TINY_FLUX = PipelineSpec(
    "FluxPipeline",
    "tiny/flux",
    default_steps=4,
    guidance_range=(0.0, 0.0),
    call_options={"max_sequence_length": 256},
)
_TINY_SIZES = _sizes((512, 288), (384, 384))
_TINY_WAN = PipelineSpec("WanPipeline", "tiny/wan-t2v", default_steps=4, guidance_range=(3.0, 7.0))

MODEL_SPECS: dict[str, ModelSpec] = {
    spec.id: spec
    for spec in (
        ModelSpec(
            id="tiny",
            label="Demo model (untrained weights)",
            family="ltx",
            pipelines={
                TEXT_TO_VIDEO: _TINY_LTX,
                IMAGE_TO_VIDEO: _TINY_LTX,
                EXTEND: _TINY_LTX,
                TEXT_TO_PICTURE: _TINY_FLUX,
            },
            fps=8,
            video_sizes={"standard": _TINY_SIZES, "professional": _sizes((1024, 576), (768, 768))},
            picture_sizes=_TINY_SIZES,
            extend_context_frames=17,
            is_demo=True,
            description=(
                "LTX-Video and Flux pipelines built in code from tiny configs with random "
                "weights; the output is noise. Runs on a CPU in seconds."
            ),
        ),
        ModelSpec(
            id="tiny-wan",
            label="Demo model, Wan pipelines (untrained weights)",
            family="wan",
            pipelines={
                TEXT_TO_VIDEO: _TINY_WAN,
                IMAGE_TO_VIDEO: replace(
                    _TINY_WAN, class_name="WanImageToVideoPipeline", checkpoint="tiny/wan-i2v"
                ),
                FIRST_LAST_FRAME: replace(
                    _TINY_WAN, class_name="WanImageToVideoPipeline", checkpoint="tiny/wan-flf2v"
                ),
                EXTEND: replace(
                    _TINY_WAN, class_name="WanVACEPipeline", checkpoint="tiny/wan-vace"
                ),
                TEXT_TO_PICTURE: _TINY_FLUX,
            },
            fps=8,
            video_sizes={
                "standard": _sizes((128, 80), (96, 96)),
                "professional": _sizes((256, 144), (192, 192)),
            },
            picture_sizes=_TINY_SIZES,
            extend_context_frames=5,
            is_demo=True,
            description=(
                "Wan 2.1's pipeline classes (text, image, first-last frame, VACE extension) built "
                "from tiny configs with random weights, at small sizes: exercises the Wan code "
                "path on a CPU. The output is noise."
            ),
        ),
        ModelSpec(
            id="ltx-video",
            label="LTX-Video 0.9.5",
            family="ltx",
            pipelines={
                TEXT_TO_VIDEO: _LTX,
                IMAGE_TO_VIDEO: _LTX,
                EXTEND: _LTX,
                TEXT_TO_PICTURE: FLUX_SCHNELL,
            },
            fps=24,
            video_sizes={
                "standard": _sizes((832, 480), (576, 576)),
                "professional": _sizes((1216, 704), (896, 896)),
            },
            picture_sizes=FLUX_PICTURE_SIZES,
            extend_context_frames=25,
            default_negative_prompt=LTX_NEGATIVE,
        ),
        ModelSpec(
            id="wan2.1",
            label="Wan 2.1",
            family="wan",
            pipelines={
                TEXT_TO_VIDEO: PipelineSpec(
                    "WanPipeline", "Wan-AI/Wan2.1-T2V-1.3B-Diffusers", 50, (3.0, 7.0)
                ),
                IMAGE_TO_VIDEO: PipelineSpec(
                    "WanImageToVideoPipeline",
                    "Wan-AI/Wan2.1-I2V-14B-480P-Diffusers",
                    40,
                    (3.0, 7.0),
                ),
                FIRST_LAST_FRAME: PipelineSpec(
                    "WanImageToVideoPipeline",
                    "Wan-AI/Wan2.1-FLF2V-14B-720P-diffusers",
                    40,
                    (3.0, 7.0),
                ),
                EXTEND: PipelineSpec(
                    "WanVACEPipeline", "Wan-AI/Wan2.1-VACE-1.3B-diffusers", 30, (3.0, 7.0)
                ),
                TEXT_TO_PICTURE: FLUX_SCHNELL,
            },
            fps=16,
            video_sizes={
                "standard": _sizes((832, 480), (624, 624)),
                "professional": _sizes((1280, 720), (960, 960)),
            },
            picture_sizes=FLUX_PICTURE_SIZES,
            extend_context_frames=17,
            default_negative_prompt=WAN_NEGATIVE,
        ),
    )
}

DEFAULT_SPEC = "tiny"


def get_spec(name: str | ModelSpec | None = None) -> ModelSpec:
    """The spec called `name` (None: the default, "tiny"); unknown names raise KeyError."""
    if isinstance(name, ModelSpec):
        return name
    name = name or DEFAULT_SPEC
    try:
        return MODEL_SPECS[name]
    except KeyError:
        known = ", ".join(sorted(MODEL_SPECS))
        raise KeyError(f"unknown model spec {name!r} (known: {known})") from None


__all__ = [
    "CAMERA_MOVEMENTS",
    "FIRST_LAST_FRAME",
    "MODEL_SPECS",
    "ModelSpec",
    "PipelineSpec",
    "VIDEO_KINDS",
    "apply_camera_movement",
    "get_spec",
]
