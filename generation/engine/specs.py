"""The registry of model specs: what each model can do, at which sizes, lengths and frame rates.

The web tier imports this to know which options to offer, so it must never import torch. A spec
names diffusers pipeline classes by string; `loader.py` turns them into objects on a worker.

Size and length rules per family:
- LTX-Video: width and height multiples of 32 (the VAE compresses 32x spatially), frame counts
  8k + 1 (8x temporal compression plus the first frame).
- Wan 2.1: multiples of 16 (8x VAE, 2x2 transformer patches), frame counts 4k + 1.
- Flux pictures: multiples of 16.

`frames_for(d)` is fps * d rounded down to the family's multiple, plus one: exactly the number
of frames the pipelines make (LTX at 24 fps: 5 s -> 121, 10 s -> 241; Wan at 16 fps: 81, 161),
which the output has unless its mode is re-timed (`output_fps`).

The default spec, `tiny`, is the demo model (random weights, the output is noise): LTX's
LTXConditionPipeline and Flux's FluxPipeline built in code. 16:9 -> 512x288, 9:16 -> 288x512,
1:1 -> 384x384 (professional: the same sizes, finished at 1920x1080, 1080x1920, 1080x1080 and
30 fps, see "Output" below); 8 fps, so 5 s -> 41 frames and
10 s -> 81; 8 denoising steps; pictures at the standard video sizes, 4 steps. An extension
conditions on the source's last 17 frames (about 2 s). On two CPU cores a 5 s clip takes about
half a second to two seconds once the pipeline is warm (docs/BENCHMARKS.md).

Output: a spec may finish its videos bigger and smoother than it generates them (`output_sizes`,
`output_fps`, per mode). A mode whose output size differs from its generation size runs the
spec's `upscaler` (LTX: diffusers' LTXLatentUpsamplePipeline, 2x in latent space) and then a
Lanczos resize to the exact output size; a mode whose output frame rate differs from `fps` is
re-timed by blending neighbouring frames (`generation/engine/upscale.py`). The demo spec does
both in professional mode (1920x1080, 1080x1920, 1080x1080 at 30 fps) with a tiny upsampler of
the same class built in code, so tests exercise the stage.

References: Wan's VACE models take 1-4 reference photos (people, objects, a style) with the
prompt (`WanVACEPipeline(reference_images=...)`, the checkpoints of its extension calls). The
demo spec, LTX's, runs the tiny Wan VACE for them (`PipelineSpec.family`): its sizes and frame
counts follow both families' rules (multiples of 32, 8k + 1 frames).

Camera presets: the real models take camera direction from the prompt, so a preset appends one
sentence (CAMERA_MOVEMENTS) to the user's prompt; "master shots" are the compound moves.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from . import camera_zh, speed
from .types import (
    ADD_SOUND,
    ASPECT_RATIOS,
    EXTEND,
    IMAGE_TO_VIDEO,
    KINDS,
    MAX_SHOTS,
    MODES,
    REFERENCES,
    RESTYLE,
    STORYBOARD,
    TEXT_TO_PICTURE,
    TEXT_TO_VIDEO,
    VIDEO_KINDS,
)

# family -> (spatial multiple, temporal multiple)
FAMILY_RULES = {"ltx": (32, 8), "wan": (16, 4)}
PICTURE_MULTIPLE = 16
# A key in ModelSpec.pipelines that is not a request kind: image to video with an end frame.
FIRST_LAST_FRAME = "image_to_video_end"
# Not a request kind either: the spatial upscaler that finishes a mode's videos at output size.
UPSCALE = "upscale"
# Nor this: the pipeline that makes text or image to video with its soundtrack (LTX-2's), one
# call per clip. Its class is the text one; an image is handled by the image class viewed over
# the same loaded components (generation/engine/sound.py).
SOUND = "sound"
# The pipelines keys that are not request kinds, in the order a worker needs them.
EXTRA_PIPELINES = (FIRST_LAST_FRAME, SOUND)
SOUND_CLASS = "LTX2Pipeline"
# Sound for an existing clip: LTX-2's checkpoint as LTX2ConditionPipeline (a loader view over
# the same components), every frame of the clip a condition of strength 1, so only the audio
# stream is denoised (generation/engine/sound.py).
ADD_SOUND_CLASS = "LTX2ConditionPipeline"


@dataclass(frozen=True)
class PipelineSpec:
    """One diffusers pipeline of a spec: its class, checkpoint, numerics and sampling defaults.

    - `checkpoint` is a hub id ("org/name"); the loader reads it from `<model dir>/<org>/<name>`
      (what `manage.py fetch_model` writes) or the hub cache, and never downloads.
    - `guidance_range` maps the creativity slider: creativity 0 -> the high end (follow the
      prompt), 1 -> the low end. `call_options` are extra keyword arguments for `__call__`.
    - `dtypes`: components kept in another dtype than the GPU default (bfloat16), as the
      family's reference code does (Wan keeps its VAE and CLIP image encoder in float32).
    - `shared`: components loaded from another checkpoint instead, because they are the same
      weights (Wan's UMT5-XXL and VAE in every Wan checkpoint; T5-XXL in LTX and Flux): one
      copy is fetched, one is loaded, and every pipeline of the spec uses it.
    - `flow_shift`: the scheduler's shift for the resolution this pipeline runs at (Wan: 3.0 at
      480P, 5.0 at 720P); None keeps the checkpoint's scheduler config.
    - `speed`: this pipeline's own defaults for the speed options (`speed.py`: step_cache,
      compile, precision); a worker setting other than "default" overrides them. None of our
      specs turns one on yet: their effect on real weights has not been measured on a GPU.
    - `timesteps`: a timestep-distilled checkpoint's fixed schedule, passed to the pipeline as
      `timesteps` instead of a step count: the model was trained on those timesteps only, so a
      step count (GENERATION_STEPS, a request's) does not apply to it (`steps_for`).
    - `family`: the pipeline's family where it is not its spec's (None: the spec's). The demo
      spec is LTX's but makes reference videos with a tiny Wan VACE pipeline, as the Wan specs
      do: the spec's sizes and frame counts must then follow both families' multiples.
    - `sizes`: per aspect ratio, what this pipeline makes where it is smaller than its spec's
      size (empty: the spec's). Only the demo uses it: a Wan VAE on a CPU takes minutes at the
      demo's 512x288, so its VACE makes 112x64 and the runner resizes the frames to the spec's
      size (Lanczos, centre crop) before anything else sees them.
    - `seconds_per_step`: the cost model. Seconds per denoising step on one H100 for one call
      at this pipeline's size and its family's longest call (pictures: one 1024x1024 image),
      guidance included. Time limits are derived from it (`ModelSpec.time_limit`). An upscaler
      has no steps: its figure is one pass over the family's longest call.
    """

    class_name: str
    checkpoint: str
    default_steps: int
    guidance_range: tuple[float, float]
    call_options: dict = field(default_factory=dict)
    dtypes: dict[str, str] = field(default_factory=dict)
    shared: dict[str, tuple[str, str]] = field(default_factory=dict)
    flow_shift: float | None = None
    seconds_per_step: float = 1.0
    speed: dict[str, str] = field(default_factory=dict)
    timesteps: tuple[float, ...] = ()
    family: str | None = None
    sizes: dict[str, tuple[int, int]] = field(default_factory=dict)

    def __post_init__(self):
        if self.family is not None and self.family not in FAMILY_RULES:
            raise ValueError(f"{self.checkpoint}: unknown family {self.family!r}")
        if self.timesteps and self.default_steps != len(self.timesteps):
            raise ValueError(f"{self.checkpoint}: default_steps must be its timesteps' count")

    def steps_for(self, requested: int | None = None) -> int:
        """The denoising steps a call makes: the fixed schedule's length where there is one,
        else `requested` (an override) or the default."""
        if self.timesteps:
            return len(self.timesteps)
        return requested or self.default_steps

    @property
    def default_guidance(self) -> float:
        low, high = self.guidance_range
        return (low + high) / 2

    def guidance_for(self, creativity: float | None) -> float:
        if creativity is None:
            return self.default_guidance
        low, high = self.guidance_range
        return high - min(max(creativity, 0.0), 1.0) * (high - low)

    @property
    def is_demo(self) -> bool:
        return self.checkpoint.startswith("tiny/")


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
    if camera_zh.is_chinese(prompt):  # the same direction in the prompt's language
        return camera_zh.with_camera(prompt, movement)
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


# Time limits (`ModelSpec.time_limit`): the cost model's figures are for an H100; SAFETY covers
# a slower GPU, a busy host and model offloading; COLD_LOAD_S a first load from local disk (a
# 14B checkpoint at about 1 GB/s) or a swap from host memory; PER_CALL_S text encoding, VAE
# decoding and post-processing.
SAFETY = 3.0
COLD_LOAD_S = 300
PER_CALL_S = 60
MAX_PICTURES = 4


@dataclass(frozen=True)
class ModelSpec:
    """A model the studio can run: one video family plus a picture pipeline.

    `pipelines` maps each request kind the spec serves to its pipeline at standard quality
    (several kinds may share one, as LTX's LTXConditionPipeline does); `FIRST_LAST_FRAME` names
    an optional pipeline for image to video with an end frame. `professional` replaces some of
    them at professional quality: a checkpoint trained at that resolution, or the same one with
    that resolution's scheduler shift.

    `max_frames` is the longest single call the family was trained on (LTX 0.9.5: 257 frames,
    Wan 2.1: 81). A longer clip is one call plus extension calls, each conditioned on the last
    `extend_context_frames` of what came before (`call_plan`).

    `output_sizes` and `output_fps` say what a user gets per mode when it is more than the
    pipelines make; `upscaler` makes it, `upscale_chunk_frames` (8k + 1) at a time, so its
    working memory does not grow with the clip (`generation/engine/upscale.py`).
    """

    id: str
    label: str
    family: str
    pipelines: dict[str, PipelineSpec]
    fps: int
    video_sizes: dict[str, dict[str, tuple[int, int]]]
    picture_sizes: dict[str, tuple[int, int]]
    extend_context_frames: int
    max_frames: int
    professional: dict[str, PipelineSpec] = field(default_factory=dict)
    default_negative_prompt: str = ""
    is_demo: bool = False
    description: str = ""
    # What the user gets, per mode (missing modes: `video_sizes` at `fps`), and the upsampler
    # that gets there (None: a mode with a bigger output size is refused at start-up).
    output_sizes: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)
    output_fps: dict[str, int] = field(default_factory=dict)
    upscaler: PipelineSpec | None = None
    upscale_chunk_frames: int = 65
    # The sides a picture's size must be multiples of (Flux: 16; Kolors' UNet: 32).
    picture_multiple: int = PICTURE_MULTIPLE

    def __post_init__(self):
        spatial, temporal = FAMILY_RULES[self.family]
        for mode in MODES:
            for aspect in ASPECT_RATIOS:
                w, h = self.video_sizes[mode][aspect]
                if w % spatial or h % spatial:
                    raise ValueError(f"{self.id}: {w}x{h} is not a multiple of {spatial}")
        for w, h in self.picture_sizes.values():
            if w % self.picture_multiple or h % self.picture_multiple:
                raise ValueError(
                    f"{self.id}: picture {w}x{h} not a multiple of {self.picture_multiple}"
                )
        if (self.extend_context_frames - 1) % temporal:
            raise ValueError(f"{self.id}: extend context must be {temporal}k + 1 frames")
        if (self.max_frames - 1) % temporal or self.max_frames <= self.extend_context_frames:
            raise ValueError(f"{self.id}: max_frames must be {temporal}k + 1, above the context")
        if (self.upscale_chunk_frames - 1) % temporal:
            raise ValueError(f"{self.id}: upscale chunks must be {temporal}k + 1 frames")
        if unknown := set(self.professional) - set(self.pipelines):
            raise ValueError(f"{self.id}: professional pipelines for unknown kinds {unknown}")
        for pipeline in (*self.pipelines.values(), *self.professional.values()):
            other_spatial, other_temporal = FAMILY_RULES[self.family_of(pipeline)]
            if spatial % other_spatial or temporal % other_temporal:
                raise ValueError(
                    f"{self.id}: {pipeline.checkpoint} needs multiples of {other_spatial} and "
                    f"{other_temporal}k + 1 frames, which {self.family}'s rules do not give"
                )
            for w, h in pipeline.sizes.values():
                if w % other_spatial or h % other_spatial:
                    raise ValueError(f"{self.id}: {pipeline.checkpoint} makes {w}x{h}")
        for pipeline in (*self.pipelines.values(), *self.professional.values()):
            for name, value in pipeline.speed.items():
                speed.check(name, value)
        for mode in MODES:
            for aspect in ASPECT_RATIOS:
                w, h = self.output_size(aspect, mode)
                if w % 2 or h % 2:
                    raise ValueError(f"{self.id}: output {w}x{h} is not even (H.264 4:2:0)")
                if self.upscales(mode) and self.upscaler is None:
                    raise ValueError(f"{self.id}: {mode} output is bigger but has no upscaler")

    @property
    def kinds(self) -> frozenset[str]:
        """The kinds of job this model can make (one pipeline each). A storyboard needs no
        pipeline of its own: its first shot is text to video, the next ones extension calls
        with their own prompts, so every spec that makes and extends videos tells one."""
        kinds = {kind for kind in KINDS if kind in self.pipelines}
        if {TEXT_TO_VIDEO, EXTEND} <= kinds:
            kinds.add(STORYBOARD)
        return frozenset(kinds)

    @property
    def checkpoint(self) -> str:
        """The main (text to video) checkpoint; `pipelines` has one per kind."""
        return self.pipelines[TEXT_TO_VIDEO].checkpoint

    def family_of(self, pipeline: PipelineSpec) -> str:
        """The family whose conventions `pipeline` follows (LTX takes a frame rate, Wan not)."""
        return pipeline.family or self.family

    @property
    def spatial_multiple(self) -> int:
        return FAMILY_RULES[self.family][0]

    @property
    def temporal_multiple(self) -> int:
        return FAMILY_RULES[self.family][1]

    @property
    def supports_sound(self) -> bool:
        """Whether text and image to video can come with a soundtrack (a SOUND pipeline)."""
        return SOUND in self.pipelines

    @property
    def supports_end_frame(self) -> bool:
        """LTX-Video conditions on any frame; Wan needs a first-last-frame pipeline; LTX-2's
        image pipeline takes the first frame only."""
        if FIRST_LAST_FRAME in self.pipelines:
            return True
        image = self.pipelines.get(IMAGE_TO_VIDEO)
        return self.family == "ltx" and image is not None and image.class_name != SOUND_CLASS

    def pipeline_for(
        self, kind: str, mode: str = "standard", *, end_frame: bool = False
    ) -> PipelineSpec:
        """The pipeline that serves `kind` at `mode` quality (with an end frame: the spec's
        first-last-frame pipeline where it has one)."""
        if kind == UPSCALE and self.upscaler is not None:
            return self.upscaler
        if kind == STORYBOARD and STORYBOARD in self.kinds:
            kind = TEXT_TO_VIDEO  # its first call; the next ones are EXTEND's
        if kind not in self.pipelines:
            raise ValueError(f"model {self.id!r} cannot do {kind!r}")
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        if kind == IMAGE_TO_VIDEO and end_frame and FIRST_LAST_FRAME in self.pipelines:
            kind = FIRST_LAST_FRAME
        if mode == "professional" and kind in self.professional:
            return self.professional[kind]
        return self.pipelines[kind]

    def all_pipelines(self) -> list[PipelineSpec]:
        """Every distinct checkpoint the spec may load, in the order a worker needs them
        (text to video first): what `fetch_model` downloads and the memory plan places."""
        seen: dict[str, PipelineSpec] = {}
        for kind in (*KINDS, *EXTRA_PIPELINES):
            if kind not in self.pipelines:
                continue
            for mode in MODES:
                pipeline = self.pipelines[kind]
                if mode == "professional":
                    pipeline = self.professional.get(kind, pipeline)
                seen.setdefault(pipeline.checkpoint, pipeline)
        if self.upscaler is not None:
            seen.setdefault(self.upscaler.checkpoint, self.upscaler)
        return list(seen.values())

    def size_for(self, aspect_ratio: str, mode: str = "standard", kind: str | None = None):
        """(width, height) of the output for this aspect ratio and mode."""
        if aspect_ratio not in ASPECT_RATIOS:
            raise ValueError(f"unknown aspect ratio {aspect_ratio!r}")
        if kind == TEXT_TO_PICTURE:
            return self.picture_sizes[aspect_ratio]
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        return self.video_sizes[mode][aspect_ratio]

    def output_size(self, aspect_ratio: str, mode: str = "standard") -> tuple[int, int]:
        """(width, height) of the video a user gets: the upscaled size where the mode has one."""
        sizes = self.output_sizes.get(mode)
        return sizes[aspect_ratio] if sizes else self.size_for(aspect_ratio, mode)

    def output_frame_rate(self, mode: str = "standard") -> int:
        """Frames per second of the video a user gets in `mode`."""
        return self.output_fps.get(mode, self.fps)

    def upscales(self, mode: str) -> bool:
        """Whether `mode`'s videos go through the upscaler (their output is bigger)."""
        return any(
            self.output_size(aspect, mode) != self.size_for(aspect, mode)
            for aspect in ASPECT_RATIOS
        )

    def frames_for(self, duration_s: float) -> tuple[int, int]:
        """(num_frames, fps) for a clip of about `duration_s`: fps * duration rounded down to the
        family's k * multiple + 1, which is exactly the number of frames the pipelines make."""
        step = self.temporal_multiple
        num_frames = int(self.fps * duration_s) // step * step + 1
        return max(num_frames, step + 1), self.fps

    def call_plan(self, kind: str, duration_s: float) -> list[int]:
        """The frames each pipeline call adds, so that no call exceeds `max_frames`.

        Text or image to video: the first entry is the first call's frame count (k * step + 1),
        each further one the new frames of an extension call (a multiple of step; the call
        itself also carries the context). An extension job has only extension calls. The
        extension calls split the rest evenly, so none is a sliver.
        """
        total, _ = self.frames_for(duration_s)
        step = self.temporal_multiple
        room = (self.max_frames - self.extend_context_frames) // step * step
        if kind == RESTYLE:
            return self.restyle_windows(total)
        if kind == ADD_SOUND:  # the whole clip in one call: a soundtrack is not chained
            return [total]
        if kind == EXTEND:
            first, rest = [], total - 1
        else:
            count = min(total, self.max_frames)
            first, rest = [count], total - count
        units, calls = rest // step, -(-rest // room)
        if not calls:
            return first
        share, extra = divmod(units, calls)
        return first + [(share + (i < extra)) * step for i in range(calls)]

    def restyle_windows(self, num_frames: int) -> list[int]:
        """How a restyle's source of `num_frames` frames is cut into calls: as few windows of
        at most `max_frames` as will do, of even lengths, each restyled on its own (a 10 s
        clip is one call for LTX-Video, two for Wan 2.1 and the demo specs). A window is padded
        to the family's k * multiple + 1 for its call and cut back after it."""
        calls = max(1, -(-num_frames // self.max_frames))
        share, extra = divmod(num_frames, calls)
        return [share + (i < extra) for i in range(calls)]

    def storyboard_plan(self, durations: list[float]) -> list[list[int]]:
        """The frames each call adds, per shot: the first shot as a text to video clip of its
        duration, each next one as an extension by its duration. The clip lasts the sum of the
        shots (each shot rounded down to the family's frame multiple)."""
        if not durations:
            return []
        first, *rest = durations
        return [self.call_plan(TEXT_TO_VIDEO, first)] + [
            self.call_plan(EXTEND, duration) for duration in rest
        ]

    def default_steps(self, kind: str, mode: str = "standard") -> int:
        return self.pipeline_for(kind, mode).default_steps

    def time_limit(
        self,
        kind: str,
        mode: str = "standard",
        duration_s: float = 5,
        *,
        end_frame: bool = False,
        steps: int | None = None,
        num_images: int = MAX_PICTURES,
        shots: list[float] | None = None,
    ) -> int:
        """Seconds one job may run before it is stopped and refunded, from the cost model:
        every call's steps at its pipeline's seconds per step (scaled by the call's share of
        the longest call), times SAFETY, plus a cold load and the decode and post-processing.
        A storyboard's `shots` are its shots' durations (None: MAX_SHOTS equal shots of
        `duration_s` in all, the most calls it can take)."""
        pipeline = self.pipeline_for(kind, mode, end_frame=end_frame)
        if kind == TEXT_TO_PICTURE:
            work = pipeline.steps_for(steps) * pipeline.seconds_per_step * num_images
            return int(COLD_LOAD_S + PER_CALL_S + SAFETY * work)
        extender = self.pipeline_for(EXTEND, mode) if EXTEND in self.pipelines else pipeline
        seconds = 0.0
        if kind == STORYBOARD:
            shots = shots or [duration_s / MAX_SHOTS] * MAX_SHOTS
            plan = [frames for shot in self.storyboard_plan(shots) for frames in shot]
            duration_s = sum(shots)
        else:
            plan = self.call_plan(kind, duration_s)
        for i, frames in enumerate(plan):
            extension = kind == EXTEND or (i > 0 and kind != RESTYLE)  # restyle: windows
            used = extender if extension else pipeline
            length = frames + (self.extend_context_frames if extension else 0)
            work = used.steps_for(steps) * used.seconds_per_step * length / self.max_frames
            seconds += PER_CALL_S + SAFETY * work
        if kind != EXTEND and self.upscales(mode):
            upscaler = self.upscaler
            work = upscaler.seconds_per_step * self.frames_for(duration_s)[0] / self.max_frames
            seconds += PER_CALL_S + SAFETY * work
        return int(COLD_LOAD_S + seconds)

    def longest_time_limit(self) -> int:
        """The largest `time_limit` of any job this spec serves (10 s, professional, every
        kind): what the broker's visibility timeout must exceed."""
        return max(
            self.time_limit(kind, mode, duration, end_frame=end_frame)
            for kind in self.kinds
            for mode in MODES
            for duration in (5, 10)
            for end_frame in (False, True)
        )


LTX_NEGATIVE = "worst quality, inconsistent motion, blurry, jittery, distorted"
WAN_NEGATIVE = (
    "Bright tones, overexposed, static, blurred details, subtitles, style, works, paintings, "
    "images, static, overall gray, worst quality, low quality, JPEG compression residue, ugly, "
    "incomplete, extra fingers, poorly drawn hands, poorly drawn faces, deformed, disfigured, "
    "misshapen limbs, fused fingers, still picture, messy background, three legs, many people "
    "in the background, walking backwards"
)

# FLUX.1-schnell: a 4-step distilled model, guidance-free, Apache-2.0. Its T5-XXL encoder
# (text_encoder_2, bf16) is google/t5-v1_1-xxl, the same as LTX-Video's: LTX borrows it.
FLUX = "black-forest-labs/FLUX.1-schnell"
FLUX_SCHNELL = PipelineSpec(
    "FluxPipeline",
    FLUX,
    default_steps=4,
    guidance_range=(0.0, 0.0),
    call_options={"max_sequence_length": 256},
    seconds_per_step=0.45,
)
FLUX_PICTURE_SIZES = {"16:9": (1344, 768), "9:16": (768, 1344), "1:1": (1024, 1024)}

_LTX = PipelineSpec(
    "LTXConditionPipeline",
    "Lightricks/LTX-Video-0.9.5",
    default_steps=40,
    guidance_range=(1.5, 4.5),
    call_options={"decode_timestep": 0.05, "decode_noise_scale": 0.025},
    shared={"text_encoder": (FLUX, "text_encoder_2")},
    seconds_per_step=1.2,
)

# Wan 2.1: every checkpoint carries the same UMT5-XXL text encoder and VAE, and the image
# models the same open-CLIP ViT-H image encoder; one copy of each is fetched and loaded. The
# VAE and the image encoder stay in float32 (diffusers' Wan examples and Wan's own code).
_WAN_T2V_13B = "Wan-AI/Wan2.1-T2V-1.3B-Diffusers"
_WAN_I2V_480 = "Wan-AI/Wan2.1-I2V-14B-480P-Diffusers"
_WAN_COMMON = {"text_encoder": (_WAN_T2V_13B, "text_encoder"), "vae": (_WAN_T2V_13B, "vae")}
_WAN_IMAGE = {**_WAN_COMMON, "image_encoder": (_WAN_I2V_480, "image_encoder")}
_WAN_DTYPES = {"vae": "float32", "image_encoder": "float32"}
_WAN_480P, _WAN_720P = 3.0, 5.0  # flow shift per resolution (Wan's own defaults)


def _wan(class_name, checkpoint, steps, shift, seconds_per_step, shared=_WAN_COMMON):
    return PipelineSpec(
        class_name,
        checkpoint,
        steps,
        (3.0, 7.0),
        dtypes=_WAN_DTYPES,
        shared={k: v for k, v in shared.items() if v[0] != checkpoint},
        flow_shift=shift,
        seconds_per_step=seconds_per_step,
    )


# LTX's spatial upscaler (2x in latent space, 0.9.7; diffusers' LTXLatentUpsamplePipeline). It
# encodes the generated frames with the spec's own VAE, which it borrows (as diffusers' LTX
# example passes `vae=pipe.vae`): only its `latent_upsampler` is fetched.
_LTX_UPSCALER = PipelineSpec(
    "LTXLatentUpsamplePipeline",
    "Lightricks/ltxv-spatial-upscaler-0.9.7",
    default_steps=1,
    guidance_range=(0.0, 0.0),
    call_options={"decode_timestep": 0.05, "decode_noise_scale": 0.025},
    shared={"vae": ("Lightricks/LTX-Video-0.9.5", "vae")},
    seconds_per_step=40.0,
)
_1080P = {"16:9": (1920, 1080), "9:16": (1080, 1920), "1:1": (1080, 1080)}

# LTX-Video 0.9.7 13B, guidance- and timestep-distilled (diffusers' LTX docs): guidance 1.0 (one
# pass per step, no unconditional one), its 8 trained timesteps, bf16, the timestep-aware VAE's
# decode settings. The cost model is an estimate, not a measurement: Lightricks publish "HD
# videos in 10 seconds, a low-resolution preview after 3" on an H100 (121 frames; the preview
# is the 8-step pass at about 608x352, some 0.35 s a step); scaled by tokens to the longest
# call (257 frames, attention growing faster than linearly) that gives about 2 s a step at
# 832x480 and 2.8 s at 960x544. Professional makes 960x544, which the 2x upscaler takes to
# 1920x1088, cropped to 1920x1080 (diffusers' example too generates at 2/3 and
# upscales 2x), instead of ltx-video's 1216x704 -> 2432x1408 -> 1920x1080.
LTX_DISTILLED = "Lightricks/LTX-Video-0.9.7-distilled"
LTX_DISTILLED_TIMESTEPS = (1000, 993, 987, 981, 975, 909, 725, 0.03)
_LTX_DISTILLED = PipelineSpec(
    "LTXConditionPipeline",
    LTX_DISTILLED,
    default_steps=len(LTX_DISTILLED_TIMESTEPS),
    guidance_range=(1.0, 1.0),
    call_options={
        "decode_timestep": 0.05,
        "decode_noise_scale": 0.025,
        "image_cond_noise_scale": 0.025,
    },
    shared={"text_encoder": (FLUX, "text_encoder_2")},
    seconds_per_step=2.0,
    timesteps=LTX_DISTILLED_TIMESTEPS,
)
# The same upscaler on the distilled checkpoint's VAE; one pass over 257 frames at 1920x1088,
# scaled from ltx-video's 40 s at 2432x1408 by pixels.
_LTX_DISTILLED_UPSCALER = replace(
    _LTX_UPSCALER, shared={"vae": (LTX_DISTILLED, "vae")}, seconds_per_step=25.0
)

# Demo pipelines mirror the real ones' sharing, so tests exercise it.
_TINY_LTX = PipelineSpec(
    "LTXConditionPipeline",
    "tiny/ltx",
    default_steps=8,
    guidance_range=(1.0, 5.0),
    shared={"text_encoder": ("tiny/flux", "text_encoder_2")},
    seconds_per_step=0.5,
)
_TINY_FLUX = PipelineSpec(
    "FluxPipeline",
    "tiny/flux",
    default_steps=4,
    guidance_range=(0.0, 0.0),
    call_options={"max_sequence_length": 256},
    seconds_per_step=0.5,
)
_TINY_UPSCALER = PipelineSpec(
    "LTXLatentUpsamplePipeline",
    "tiny/ltx-upscaler",
    default_steps=1,
    guidance_range=(0.0, 0.0),
    shared={"vae": ("tiny/ltx", "vae")},
    seconds_per_step=2.0,
)
# LTX-2 (Lightricks/LTX-2, diffusers' LTX2Pipeline): a 19B audio-video transformer, video and
# soundtrack in one pass, Gemma 3 12B as text encoder, a vocoder to 24 kHz stereo. Settings of
# LTX-2.0 as diffusers documents them: guidance 3-4 on video (7 on audio, the pipeline's
# default), spatio-temporal guidance at block 29, the legacy (not cross-modality) timestep.
# The cost model is an estimate: 19B against LTX-Video 13B's 2.0 s a step, with two guidance
# passes plus the STG one.
LTX_2 = "Lightricks/LTX-2"
_LTX_2_SOUND = PipelineSpec(
    "LTX2Pipeline",
    LTX_2,
    default_steps=40,
    guidance_range=(3.0, 4.0),
    call_options={"spatio_temporal_guidance_blocks": [29], "use_cross_timestep": False},
    seconds_per_step=6.0,
)
# Its checkpoint as the condition pipeline, for adding sound to a clip. The video stream is
# kept clean, so the step costs about what a clip with sound's does (the same tokens).
_LTX_2_ADD_SOUND = replace(_LTX_2_SOUND, class_name=ADD_SOUND_CLASS)
# The demo's: the same class, tiny (sound_architectures.TINY_LTX_2). Its 2 layers have no block
# 29, so spatio-temporal guidance is off, and modality guidance with it (one pass per step).
_TINY_LTX_2 = PipelineSpec(
    "LTX2Pipeline",
    "tiny/ltx-2",
    default_steps=8,
    guidance_range=(1.0, 1.0),
    call_options={
        "stg_scale": 0.0,
        "audio_stg_scale": 0.0,
        "modality_scale": 1.0,
        "audio_modality_scale": 1.0,
        "audio_guidance_scale": 1.0,
        "spatio_temporal_guidance_blocks": None,
        "use_cross_timestep": False,
        "max_sequence_length": 128,
    },
    seconds_per_step=0.5,
)
_TINY_ADD_SOUND = replace(_TINY_LTX_2, class_name=ADD_SOUND_CLASS)
_TINY_SIZES = _sizes((512, 288), (384, 384))
_TINY_WAN_COMMON = {
    "text_encoder": ("tiny/wan-t2v", "text_encoder"),
    "vae": ("tiny/wan-t2v", "vae"),
}
_TINY_WAN_IMAGE = {**_TINY_WAN_COMMON, "image_encoder": ("tiny/wan-i2v", "image_encoder")}


def _tiny_wan(class_name, checkpoint, shift, shared=_TINY_WAN_COMMON):
    return _wan(class_name, checkpoint, 4, shift, 0.5, shared)


# Reference photos (people, objects, a style) reach a video through Wan VACE's
# `reference_images`: the same checkpoints as Wan's first-last frame and extension calls.
_WAN_VACE_13B, _WAN_VACE_14B = (
    "Wan-AI/Wan2.1-VACE-1.3B-diffusers",
    "Wan-AI/Wan2.1-VACE-14B-diffusers",
)
# The demo spec (LTX) has no reference pipeline of its family: it runs the tiny Wan VACE, with
# its own text encoder and VAE (no other Wan checkpoint of the spec to borrow them from).
_TINY_REFERENCES = replace(
    _tiny_wan("WanVACEPipeline", "tiny/wan-vace", _WAN_480P),
    family="wan",
    shared={},
    sizes=_sizes((112, 64), (96, 96)),
)


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
                REFERENCES: _TINY_REFERENCES,
                RESTYLE: _TINY_LTX,
                SOUND: _TINY_LTX_2,
                ADD_SOUND: _TINY_ADD_SOUND,
            },
            fps=8,
            # Professional makes the standard size and upscales it: 2x by the tiny upsampler, then
            # resized to 1080p (a larger generation size would make CPU tests crawl).
            video_sizes={"standard": _TINY_SIZES, "professional": _TINY_SIZES},
            picture_sizes=_TINY_SIZES,
            extend_context_frames=17,
            # Shorter than LTX's 257 so that a 10 s demo job is chained like a long real one.
            max_frames=65,
            is_demo=True,
            description=(
                "LTX-Video and Flux pipelines built in code from tiny configs with random "
                "weights, and Wan VACE for reference photos; the output is noise. Runs on a CPU."
            ),
            # Professional: upscaled to 1080p and re-timed to 30 fps, as LTX-Video's is.
            output_sizes={"professional": _1080P},
            output_fps={"professional": 30},
            upscaler=_TINY_UPSCALER,
            upscale_chunk_frames=17,
        ),
        ModelSpec(
            id="tiny-wan",
            label="Demo model, Wan pipelines (untrained weights)",
            family="wan",
            pipelines={
                TEXT_TO_VIDEO: _tiny_wan("WanPipeline", "tiny/wan-t2v", _WAN_480P),
                IMAGE_TO_VIDEO: _tiny_wan(
                    "WanImageToVideoPipeline", "tiny/wan-i2v", _WAN_480P, _TINY_WAN_IMAGE
                ),
                # Standard quality: VACE with the first and last frames kept (no 480P FLF2V).
                FIRST_LAST_FRAME: _tiny_wan("WanVACEPipeline", "tiny/wan-vace", _WAN_480P),
                EXTEND: _tiny_wan("WanVACEPipeline", "tiny/wan-vace", _WAN_480P),
                TEXT_TO_PICTURE: _TINY_FLUX,
                REFERENCES: _tiny_wan("WanVACEPipeline", "tiny/wan-vace", _WAN_480P),
                # The text model's weights run as video to video (the loader shares them).
                RESTYLE: _tiny_wan("WanVideoToVideoPipeline", "tiny/wan-t2v", _WAN_480P),
            },
            professional={
                TEXT_TO_VIDEO: _tiny_wan("WanPipeline", "tiny/wan-t2v", _WAN_720P),
                IMAGE_TO_VIDEO: _tiny_wan(
                    "WanImageToVideoPipeline", "tiny/wan-i2v", _WAN_720P, _TINY_WAN_IMAGE
                ),
                FIRST_LAST_FRAME: _tiny_wan(
                    "WanImageToVideoPipeline", "tiny/wan-flf2v", _WAN_720P, _TINY_WAN_IMAGE
                ),
                EXTEND: _tiny_wan("WanVACEPipeline", "tiny/wan-vace", _WAN_720P),
                REFERENCES: _tiny_wan("WanVACEPipeline", "tiny/wan-vace", _WAN_720P),
                RESTYLE: _tiny_wan("WanVideoToVideoPipeline", "tiny/wan-t2v", _WAN_720P),
            },
            fps=8,
            video_sizes={
                "standard": _sizes((128, 80), (96, 96)),
                "professional": _sizes((256, 144), (192, 192)),
            },
            picture_sizes=_TINY_SIZES,
            extend_context_frames=5,
            max_frames=41,
            is_demo=True,
            description=(
                "Wan 2.1's pipeline classes (text, image, first-last frame, VACE extension and "
                "references) built "
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
                RESTYLE: _LTX,
            },
            professional={
                kind: replace(_LTX, seconds_per_step=2.6)
                for kind in (TEXT_TO_VIDEO, IMAGE_TO_VIDEO, EXTEND, RESTYLE)
            },
            fps=24,
            video_sizes={
                "standard": _sizes((832, 480), (576, 576)),
                "professional": _sizes((1216, 704), (896, 896)),
            },
            picture_sizes=FLUX_PICTURE_SIZES,
            extend_context_frames=25,
            max_frames=257,
            default_negative_prompt=LTX_NEGATIVE,
            output_sizes={"professional": _1080P},
            output_fps={"professional": 30},
            upscaler=_LTX_UPSCALER,
        ),
        ModelSpec(
            id="ltx-video-distilled",
            label="LTX-Video 13B distilled",
            family="ltx",
            pipelines={
                TEXT_TO_VIDEO: _LTX_DISTILLED,
                IMAGE_TO_VIDEO: _LTX_DISTILLED,
                EXTEND: _LTX_DISTILLED,
                TEXT_TO_PICTURE: FLUX_SCHNELL,
                RESTYLE: _LTX_DISTILLED,
            },
            professional={
                kind: replace(_LTX_DISTILLED, seconds_per_step=2.8)
                for kind in (TEXT_TO_VIDEO, IMAGE_TO_VIDEO, EXTEND, RESTYLE)
            },
            fps=24,
            video_sizes={
                "standard": _sizes((832, 480), (576, 576)),
                "professional": _sizes((960, 544), (544, 544)),
            },
            picture_sizes=FLUX_PICTURE_SIZES,
            extend_context_frames=25,
            max_frames=257,
            default_negative_prompt=LTX_NEGATIVE,
            description=(
                "LTX-Video 0.9.7 13B, guidance- and timestep-distilled: 8 fixed steps, "
                "no guidance pass; FLUX.1-schnell pictures."
            ),
            output_sizes={"professional": _1080P},
            output_fps={"professional": 30},
            upscaler=_LTX_DISTILLED_UPSCALER,
        ),
        ModelSpec(
            id="ltx-2",
            label="LTX-2 (video with sound)",
            family="ltx",
            # One checkpoint for everything it films: silent jobs drop the soundtrack it makes.
            # One call makes a whole clip, so none is chained, and there is no extension
            # pipeline (hence no storyboards either).
            pipelines={
                TEXT_TO_VIDEO: _LTX_2_SOUND,
                IMAGE_TO_VIDEO: _LTX_2_SOUND,
                SOUND: _LTX_2_SOUND,
                ADD_SOUND: _LTX_2_ADD_SOUND,
                TEXT_TO_PICTURE: FLUX_SCHNELL,
            },
            fps=24,
            # LTX-2's two-stage recipe makes 768x512 and doubles it with its latent upsampler;
            # that stage is not wired here, so professional generates its size directly.
            video_sizes={
                "standard": _sizes((768, 448), (512, 512)),
                "professional": _sizes((1280, 704), (960, 960)),
            },
            picture_sizes=FLUX_PICTURE_SIZES,
            extend_context_frames=25,
            max_frames=257,  # 10 s at 24 fps in one call (the pipeline makes up to 20 s)
            default_negative_prompt=LTX_NEGATIVE,
            description=(
                "LTX-2 19B: video and its soundtrack (speech, effects, music) in one pass, "
                "Gemma 3 as text encoder; FLUX.1-schnell pictures."
            ),
        ),
        ModelSpec(
            id="wan2.1",
            label="Wan 2.1",
            family="wan",
            # 480P: the 1.3B text model and VACE (also first-last frame), the 480P image model.
            pipelines={
                TEXT_TO_VIDEO: _wan("WanPipeline", _WAN_T2V_13B, 50, _WAN_480P, 2.2),
                IMAGE_TO_VIDEO: _wan(
                    "WanImageToVideoPipeline", _WAN_I2V_480, 40, _WAN_480P, 9.0, _WAN_IMAGE
                ),
                FIRST_LAST_FRAME: _wan("WanVACEPipeline", _WAN_VACE_13B, 30, _WAN_480P, 3.0),
                EXTEND: _wan("WanVACEPipeline", _WAN_VACE_13B, 30, _WAN_480P, 3.0),
                TEXT_TO_PICTURE: FLUX_SCHNELL,
                REFERENCES: _wan("WanVACEPipeline", _WAN_VACE_13B, 30, _WAN_480P, 3.0),
                # Restyle: the text model's weights as WanVideoToVideoPipeline (diffusers' Wan
                # video-to-video example loads the T2V checkpoint with that class).
                RESTYLE: _wan("WanVideoToVideoPipeline", _WAN_T2V_13B, 50, _WAN_480P, 2.2),
            },
            # 720P: the 14B models, each trained at 720P.
            professional={
                TEXT_TO_VIDEO: _wan(
                    "WanPipeline", "Wan-AI/Wan2.1-T2V-14B-Diffusers", 50, _WAN_720P, 36.0
                ),
                IMAGE_TO_VIDEO: _wan(
                    "WanImageToVideoPipeline",
                    "Wan-AI/Wan2.1-I2V-14B-720P-Diffusers",
                    40,
                    _WAN_720P,
                    36.0,
                    _WAN_IMAGE,
                ),
                FIRST_LAST_FRAME: _wan(
                    "WanImageToVideoPipeline",
                    "Wan-AI/Wan2.1-FLF2V-14B-720P-diffusers",
                    40,
                    _WAN_720P,
                    38.0,
                    _WAN_IMAGE,
                ),
                EXTEND: _wan("WanVACEPipeline", _WAN_VACE_14B, 30, _WAN_720P, 40.0),
                REFERENCES: _wan("WanVACEPipeline", _WAN_VACE_14B, 30, _WAN_720P, 40.0),
                RESTYLE: _wan(
                    "WanVideoToVideoPipeline",
                    "Wan-AI/Wan2.1-T2V-14B-Diffusers",
                    50,
                    _WAN_720P,
                    36.0,
                ),
            },
            fps=16,
            video_sizes={
                "standard": _sizes((832, 480), (624, 624)),
                "professional": _sizes((1280, 720), (960, 960)),
            },
            picture_sizes=FLUX_PICTURE_SIZES,
            extend_context_frames=17,
            max_frames=81,
            default_negative_prompt=WAN_NEGATIVE,
        ),
    )
}

DEFAULT_SPEC = "tiny"


@dataclass(frozen=True)
class PictureModel:
    """A picture pipeline an operator may run instead of a spec's own (GENERATION_PICTURE_MODEL):
    `<video spec>+<picture model>` names the spec with its pictures made by this one."""

    id: str
    label: str
    pipeline: PipelineSpec
    sizes: dict[str, tuple[int, int]]
    multiple: int = PICTURE_MULTIPLE


# Kolors (Kwai-Kolors/Kolors-diffusers, Apache-2.0 code, its own model licence): SDXL's UNet on
# ChatGLM3-6B, which reads Chinese and English prompts natively. Its model card's defaults:
# 50 steps at guidance 5.0 (the middle of the creativity range), 1024x1024; the other shapes are
# SDXL's buckets, multiples of 32. The cost model is an estimate (an SDXL-class UNet with
# guidance at 1024x1024 on an H100), not a measurement.
KOLORS = PipelineSpec(
    "KolorsPipeline",
    "Kwai-Kolors/Kolors-diffusers",
    default_steps=50,
    guidance_range=(3.0, 7.0),
    call_options={"max_sequence_length": 256},
    seconds_per_step=0.08,
)
# SDXL's buckets, the same as Flux's.
KOLORS_SIZES = FLUX_PICTURE_SIZES
_TINY_KOLORS = replace(KOLORS, checkpoint="tiny/kolors", default_steps=4, seconds_per_step=0.5)

PICTURE_MODELS: dict[str, PictureModel] = {
    picture.id: picture
    for picture in (
        PictureModel("flux-schnell", "FLUX.1-schnell", FLUX_SCHNELL, FLUX_PICTURE_SIZES),
        PictureModel("kolors", "Kolors", KOLORS, KOLORS_SIZES, multiple=32),
        PictureModel("tiny-flux", "Demo Flux (untrained weights)", _TINY_FLUX, _TINY_SIZES),
        PictureModel(
            "tiny-kolors", "Demo Kolors (untrained weights)", _TINY_KOLORS, _TINY_SIZES, 32
        ),
    )
}


def with_picture(spec: ModelSpec, picture: PictureModel) -> ModelSpec:
    """`spec` with its pictures made by `picture`: its id names both ("ltx-video+kolors"), so a
    job records which picture model made it and a worker given the job runs the same."""
    return replace(
        spec,
        id=f"{spec.id}+{picture.id}",
        label=f"{spec.label}, {picture.label} pictures",
        pipelines={**spec.pipelines, TEXT_TO_PICTURE: picture.pipeline},
        picture_sizes=picture.sizes,
        picture_multiple=picture.multiple,
    )


def get_spec(name: str | ModelSpec | None = None) -> ModelSpec:
    """The spec called `name` (None: the default, "tiny"), or `<spec>+<picture model>` for a
    spec whose pictures another model makes; unknown names raise KeyError."""
    if isinstance(name, ModelSpec):
        return name
    name = name or DEFAULT_SPEC
    video, _, picture = name.partition("+")
    try:
        spec = MODEL_SPECS[video]
    except KeyError:
        known = ", ".join(sorted(MODEL_SPECS))
        raise KeyError(f"unknown model spec {video!r} (known: {known})") from None
    if not picture:
        return spec
    try:
        return with_picture(spec, PICTURE_MODELS[picture])
    except KeyError:
        known = ", ".join(sorted(PICTURE_MODELS))
        raise KeyError(f"unknown picture model {picture!r} (known: {known})") from None


__all__ = [
    "CAMERA_MOVEMENTS",
    "FIRST_LAST_FRAME",
    "UPSCALE",
    "MODEL_SPECS",
    "PICTURE_MODELS",
    "ModelSpec",
    "PictureModel",
    "PipelineSpec",
    "VIDEO_KINDS",
    "apply_camera_movement",
    "get_spec",
]
