"""The API's request and response shapes. Points are decimal strings ("10", "0.2"): the ledger
counts exact tenths, and a string keeps them exact in every client language."""

from datetime import datetime
from enum import IntEnum
from typing import Annotated, Literal, get_args

from ninja import Field, Schema
from pydantic import field_validator

from billing.pricing import STORYBOARD_SECONDS
from billing.units import format_points
from generation.engine.specs import CAMERA_MOVEMENTS
from generation.engine.types import MAX_SHOTS, MIN_SHOTS
from generation.forms import SHOT_DURATIONS
from generation.models import Job

# The kinds the API can create (and price, and list in /models).
Kind = Literal["text_to_video", "image_to_video", "extend", "text_to_picture", "storyboard"]
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
    a JSON object. Photos travel as multipart files (`image`, and `end_image` for an end frame)
    or, sent first to POST /uploads, by id (`image_upload`, `end_image_upload`)."""

    kind: Kind = "text_to_video"
    prompt: str = Field(
        "",
        max_length=2500,
        description="Required except for image_to_video.",
        examples=["a paper boat on a rainy street"],
    )
    negative_prompt: str = Field("", max_length=2500)
    aspect_ratio: AspectRatio = Field("16:9", description="Image to video keeps the photo's.")
    duration_s: Duration = Field(Duration.FIVE, description="Extensions are always 5 s.")
    mode: Mode = "standard"
    creativity: float = Field(0.5, ge=0.0, le=1.0)
    seed: int | None = Field(None, ge=0, le=2**32 - 1, description="Random when left out.")
    camera_movement: CameraMovement = "static"
    source_job: int | None = Field(
        None, ge=1, le=2**63 - 1, description="For extend: one of your finished videos."
    )
    num_images: int = Field(1, ge=1, le=4, description="For text_to_picture.")
    image_upload: int | None = Field(
        None,
        ge=1,
        le=2**63 - 1,
        description="For image_to_video: a photo you sent to POST /uploads, instead of `image`.",
    )
    end_image_upload: int | None = Field(
        None, ge=1, le=2**63 - 1, description="Its end frame, from POST /uploads."
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

    @field_validator("seed", "source_job", "image_upload", "end_image_upload", mode="before")
    @classmethod
    def _empty_means_none(cls, value):
        """A form field sent empty (`seed=`) is one left out, as on the site."""
        return None if value == "" else value

    def form_data(self) -> dict:
        """As the site's form receives it from a browser: a storyboard's shots as the page's
        shot rows (shot_prompt_1, shot_duration_1, shot_camera_1, ...)."""
        data = self.model_dump(mode="json", exclude={"shots"})
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
    duration_s: int | None
    mode: Mode
    num_images: int
    price_points: str


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
    plan: PlanOut


class UploadOut(Schema):
    id: int = Field(description="Pass it as `image_upload` or `end_image_upload` to POST /jobs.")
    url: str = Field(description="This upload in the API (GET it, or DELETE it early).")
    content_type: Literal["image/png"] = Field(
        description="Kept re-encoded as PNG, as the site keeps photos: only the pixels."
    )
    width: int
    height: int
    size_bytes: int
    created_at: datetime
    expires_at: datetime = Field(description="Deleted then, used or not; jobs keep their copy.")
