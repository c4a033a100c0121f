"""The API's request and response shapes. Points are decimal strings ("10", "0.2"): the ledger
counts exact tenths, and a string keeps them exact in every client language."""

from datetime import datetime
from enum import IntEnum
from typing import Annotated, Literal, get_args

from ninja import Field, Schema
from pydantic import field_validator

from billing.pricing import STORYBOARD_SECONDS
from billing.units import format_points
from generation.clips import MAX_CLIP_SECONDS, MIN_CLIP_SECONDS
from generation.engine.specs import CAMERA_MOVEMENTS
from generation.engine.types import (
    DEFAULT_STRENGTH,
    MAX_REFERENCES,
    MAX_SHOTS,
    MAX_STRENGTH,
    MIN_SHOTS,
    MIN_STRENGTH,
)
from generation.forms import SHOT_DURATIONS
from generation.models import MAX_ROW_ID, Job

# The kinds the API can create (and price, and list in /models).
Kind = Literal[
    "text_to_video",
    "image_to_video",
    "extend",
    "text_to_picture",
    "storyboard",
    "effect",
    "references",
    "restyle",
    "add_sound",
]
CREATABLE_KINDS = get_args(Kind)
# Any job's kind, as it is read back: jobs made on the site may be of kinds the API cannot make.
AnyKind = Literal[tuple(Job.Kind.values)]  # type: ignore[valid-type]
JobStatus = Literal["queued", "running", "succeeded", "failed", "canceled", "rejected", "review"]
Mode = Literal["standard", "professional"]
AspectRatio = Literal["16:9", "9:16", "1:1"]
CameraMovement = Literal[tuple(CAMERA_MOVEMENTS)]  # type: ignore[valid-type]
# A shot's whole seconds, as the create page's shot rows offer them.
ShotSeconds = Annotated[int, Field(ge=SHOT_DURATIONS[0][0], le=SHOT_DURATIONS[-1][0])]
# A cursor is the last id of the page before: pass `next_cursor` back as it came.
CURSOR_PATTERN = r"^[0-9]{1,18}$"
# An effect's code in the catalogue (a slug); which effects exist is the catalogue's answer.
EFFECT_PATTERN = r"^[-a-zA-Z0-9_]*$"
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
# The whole seconds a restyle's clip is priced at (its length rounded up).
ClipSeconds = Annotated[int, Field(ge=MIN_CLIP_SECONDS, le=MAX_CLIP_SECONDS)]


class Duration(IntEnum):
    FIVE = 5
    TEN = 10


def points(tenths: int) -> str:
    """Tenths of a point as the API writes them: 100 → "10", 2 → "0.2"."""
    return format_points(tenths).replace(",", "")


class ShotIn(Schema):
    """One shot of a storyboard, as a row of the create page's storyboard."""

    prompt: str = Field(
        min_length=1, max_length=2500, pattern=r"\S", examples=["a red kite over a green hill"]
    )
    duration_s: ShotSeconds = Field(3, description="Whole seconds.")
    camera_movement: CameraMovement = "static"


class JobIn(Schema):
    """What to make: the fields of the site's create form, as a multipart or urlencoded form or
    a JSON object. Photos travel as multipart files (`image`, `end_image`, `second_image`,
    `references`) or, sent first to POST /uploads, by id (`image_upload`, `end_image_upload`,
    `second_image_upload`, `reference_uploads`); a restyle's clip as the multipart file `video`,
    or one of your finished videos by job id (`restyle_source`); the silent video add_sound
    gives a soundtrack by job id (`sound_source`)."""

    kind: Kind = "text_to_video"
    prompt: str = Field(
        "",
        max_length=2500,
        description=(
            "Required except for image_to_video and effect (for an effect: optional words the "
            "effect's prompt takes in; for add_sound: the sounds, music and speech to add)."
        ),
        examples=["a paper boat on a rainy street"],
    )
    negative_prompt: str = Field("", max_length=2500)
    aspect_ratio: AspectRatio = Field("16:9", description="Image to video keeps the photo's.")
    duration_s: Duration = Field(Duration.FIVE, description="Extensions are always 5 s.")
    mode: Mode = "standard"
    creativity: float = Field(0.5, ge=0.0, le=1.0)
    seed: int | None = Field(None, ge=0, le=2**32 - 1, description="Random when left out.")
    camera_movement: CameraMovement = "static"
    source_job: RowId | None = Field(None, description="For extend: one of your finished videos.")
    num_images: int = Field(1, ge=1, le=4, description="For text_to_picture.")
    image_upload: RowId | None = Field(
        None,
        description="For image_to_video: a photo you sent to POST /uploads, instead of `image`.",
    )
    end_image_upload: RowId | None = Field(None, description="Its end frame, from POST /uploads.")
    sound: bool = Field(
        False,
        description=(
            "For text_to_video and image_to_video: make the clip with its soundtrack (describe "
            "sounds and speech in the prompt); priced on its own, not with an end frame."
        ),
    )
    effect: str = Field(
        "",
        max_length=50,
        pattern=EFFECT_PATTERN,
        description=(
            "For effect: the effect's `slug` from GET /models. Its photo is `image` (or "
            "`image_upload`); a two-photo effect also takes `second_image` (or "
            "`second_image_upload`). An effect is 5 s, standard, in its photo's shape."
        ),
    )
    second_image_upload: RowId | None = Field(
        None,
        description="For a two-photo effect: the second photo, from POST /uploads.",
    )
    restore_colour: bool = Field(
        False, description="For an effect that offers retouches: colourise the photo."
    )
    restore_faces: bool = Field(
        False, description="For an effect that offers retouches: restore the faces."
    )
    # How many photos a reference video takes is the create form's rule, not the schema's.
    reference_uploads: list[RowId] | None = Field(
        None,
        description=(
            f"For references: 1 to {MAX_REFERENCES} photos from POST /uploads (a person, an "
            "object, a style), instead of the multipart files `references`."
        ),
    )
    restyle_source: RowId | None = Field(
        None,
        description=(
            f"For restyle: one of your finished videos of up to {MAX_CLIP_SECONDS} s, by its "
            "job id, instead of the multipart file `video`."
        ),
    )
    sound_source: RowId | None = Field(
        None,
        description=(
            "For add_sound: one of your finished silent videos of up to "
            f"{MAX_CLIP_SECONDS} s, by its job id. The job takes its length, shape and mode."
        ),
    )
    strength: float = Field(
        DEFAULT_STRENGTH,
        ge=MIN_STRENGTH,
        le=MAX_STRENGTH,
        description="For restyle: how much of the clip may change.",
    )
    # How many shots a story has is the create form's rule (its message names the limit), not
    # the schema's: the API has no second way to refuse a storyboard.
    shots: list[ShotIn] | None = Field(
        None,
        description=(
            f"For storyboard, in JSON only: {MIN_SHOTS} to {MAX_SHOTS} shots, at most "
            f"{STORYBOARD_SECONDS[-1]} s in all; the video lasts the sum of their lengths. "
            "Replaces prompt, duration_s and camera_movement."
        ),
    )

    @field_validator(
        "seed",
        "source_job",
        "image_upload",
        "end_image_upload",
        "second_image_upload",
        "restyle_source",
        "sound_source",
        mode="before",
    )
    @classmethod
    def _empty_means_none(cls, value):
        """A form field sent empty (`seed=`) is one left out, as on the site."""
        return None if value == "" else value

    def form_data(self) -> dict:
        """As the site's form receives it from a browser: a storyboard's shots as the page's
        shot rows (shot_prompt_1, shot_duration_1, shot_camera_1, ...)."""
        # Uploads are named by id here; the create form receives them as files.
        data = self.model_dump(mode="json", exclude={"shots", "reference_uploads"})
        fields = {k: "" if v is None else str(v) for k, v in data.items()}
        for n, shot in enumerate(self.shots or [], start=1):
            fields[f"shot_prompt_{n}"] = shot.prompt
            fields[f"shot_duration_{n}"] = str(shot.duration_s)
            fields[f"shot_camera_{n}"] = shot.camera_movement
        return fields


class OutputOut(Schema):
    id: int
    kind: Literal["video", "poster", "preview", "picture"]
    content_type: str
    width: int
    height: int
    duration_s: float | None
    size_bytes: int
    watermarked: bool = Field(description="Whether the download carries the visible mark.")
    url: str = Field(description="Download address; expires at url_expires_at.")
    url_expires_at: datetime


class ModerationOut(Schema):
    code: Literal["moderation_refused", "moderation_held"]
    category: str


class JobOut(Schema):
    id: int
    kind: AnyKind
    status: JobStatus
    prompt: str
    negative_prompt: str
    params: dict
    source_job: int | None
    price_points: str = Field(description="Held while the job runs; spent only if it succeeds.")
    progress: int
    message: str = Field(description="Why it failed, was refused or is held; empty otherwise.")
    moderation: ModerationOut | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    outputs: list[OutputOut] | None = Field(
        None, description="On a succeeded job, from GET /jobs/{id}; null in lists."
    )


class JobPage(Schema):
    data: list[JobOut]
    next_cursor: str | None


class BalanceOut(Schema):
    balance_points: str = Field(description="Spendable now.")
    held_points: str = Field(description="Set aside for jobs that have not finished.")


class EntryOut(Schema):
    id: int
    kind: Literal["grant", "hold", "capture", "release", "expire", "adjust", "clawback"]
    amount_points: str
    balance_after_points: str
    ref: str
    reason: str
    created_at: datetime


class EntryPage(Schema):
    data: list[EntryOut]
    next_cursor: str | None


class QuoteOut(Schema):
    price_points: str
    balance_points: str
    affordable: bool
    locked: dict[str, str] = Field(description="Options your plan does not allow, and why.")


class OptionOut(Schema):
    value: str
    label: str
    allowed: bool


class PriceOut(Schema):
    kind: Kind
    duration_s: int | None = Field(
        description="A restyle's: the clip's whole seconds; add_sound's: the video's."
    )
    mode: Mode
    num_images: int
    sound: bool = False
    effect: str | None = Field(None, description="An effect's slug: each has its own price.")
    price_points: str


class EffectOut(Schema):
    slug: str = Field(description="Pass it as `effect` to POST /jobs and GET /quote.")
    name: str
    photos: Literal[1, 2] = Field(description="Photos it needs: `image`, and `second_image`.")
    retouches: bool = Field(description="Whether restore_colour and restore_faces apply.")
    price_points: str
    allowed: bool = Field(description="Whether your plan includes it.")


class PlanOut(Schema):
    name: str
    no_watermark: bool
    professional_mode: bool
    video_extension: bool
    camera_movement: bool
    priority_queue: bool
    max_concurrent_jobs: int
    max_resolution: int
    max_frame_rate: int


class ModelOut(Schema):
    id: str
    label: str
    is_demo: bool
    kinds: list[OptionOut]
    aspect_ratios: list[OptionOut]
    durations_s: list[OptionOut]
    modes: list[OptionOut]
    camera_movements: list[OptionOut]
    num_images: list[OptionOut]
    prices: list[PriceOut]
    sound: bool = Field(description="Whether text and image to video can be made with sound.")
    effects: list[EffectOut]
    max_references: int = Field(description="Reference photos a references job takes at most.")
    max_clip_seconds: int = Field(description="The longest clip a restyle takes.")
    plan: PlanOut


class UploadOut(Schema):
    id: int = Field(
        description=(
            "Pass it to POST /jobs as `image_upload`, `end_image_upload`, `second_image_upload` "
            "or in `reference_uploads`."
        )
    )
    url: str = Field(description="This upload in the API (GET it, or DELETE it early).")
    content_type: Literal["image/png"] = Field(
        description="Kept re-encoded as PNG, as the site keeps photos: only the pixels."
    )
    width: int
    height: int
    size_bytes: int
    created_at: datetime
    expires_at: datetime = Field(description="Deleted then, used or not; jobs keep their copy.")
