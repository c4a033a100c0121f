"""What the caller may make and what it costs: the model's kinds and options, each marked as
allowed or not by the caller's plan, the price table, and the quote for one request."""

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Query, Router

from billing import ledger
from billing.entitlements import entitlements
from billing.pricing import (
    ADD_SOUND_SECONDS,
    MAX_IMAGES,
    RESTYLE_SECONDS,
    STORYBOARD_SECONDS,
    PriceError,
)
from generation import add_sound, effects, services
from generation.clips import MAX_CLIP_SECONDS
from generation.engine.types import MAX_REFERENCES, MAX_SHOTS, MIN_SHOTS
from generation.forms import DURATIONS, SOUND_KINDS
from generation.labels import ASPECT_RATIOS, CAMERA_MOVEMENTS, MODES
from generation.models import MAX_ROW_ID, Job
from webapp.api.auth import require_scope
from webapp.api.problems import Problem, problems
from webapp.api.schemas import (
    CREATABLE_KINDS,
    EFFECT_PATTERN,
    AspectRatio,
    CameraMovement,
    ClipSeconds,
    Duration,
    Kind,
    Mode,
    ModelOut,
    QuoteOut,
    ShotSeconds,
    points,
)

router = Router(tags=["models and prices"])
# A storyboard's shots in a quote: repeated query parameters, one per shot, in order.
SHOT_LENGTHS = Query(
    None, description="For storyboard: each shot's length in seconds, in order (repeat it)."
)
SHOT_CAMERAS = Query(
    None, description="For storyboard: each shot's camera movement, in order (repeat it)."
)

SOUND = Query(False, description="For text_to_video and image_to_video: made with sound.")
EFFECT = Query(None, max_length=50, pattern=EFFECT_PATTERN, description="For effect: its slug.")
CLIP_SECONDS = Query(
    None,
    description=(
        "For restyle: the clip's length in whole seconds, rounded up; for add_sound, the "
        "video's (or send sound_source)."
    ),
)
SOUND_SOURCE = Query(
    None,
    ge=1,
    le=MAX_ROW_ID,
    description="For add_sound: your video's job id; priced at its length, as POST /jobs holds.",
)


def _options(choices, allowed=lambda value: True) -> list[dict]:
    return [
        {"value": str(value), "label": str(label), "allowed": allowed(value)}
        for value, label in choices
    ]


@router.get(
    "/models", response={200: ModelOut, **problems(401, 403)}, summary="The model, options, prices"
)
def model(request):
    """The model this site runs, the options of each request (marked `allowed: false` when the
    caller's plan does not include them), and the price of each kind of request."""
    from generation.engine.specs import get_spec

    require_scope(request, "read")
    user = request.auth.user
    spec = get_spec(settings.GENERATION_MODEL)
    plan = entitlements(user)

    def kind_allowed(kind):
        if kind == Job.Kind.ADD_SOUND:  # every plan; only the site's model decides
            return add_sound.offered()
        makes = services.engine_kind(kind) in spec.kinds
        return makes and not services.locked_option_errors(user, kind, {})

    prices = [
        {
            "kind": kind,
            "duration_s": params.get("duration_s"),
            "mode": params.get("mode", "standard"),
            "num_images": 1,
            "sound": bool(params.get("sound")),
            "effect": params.get("effect"),
            "price_points": points(services.price_for(kind, params)),
        }
        for kind, params in _priced_requests(spec)
    ]
    return {
        "id": spec.id,
        "label": spec.label,
        "is_demo": spec.is_demo,
        "kinds": _options(
            [(k, label) for k, label in Job.Kind.choices if k in CREATABLE_KINDS], kind_allowed
        ),
        "aspect_ratios": _options(ASPECT_RATIOS),
        "durations_s": _options(DURATIONS),
        "modes": _options(MODES, lambda m: services.plan_has_mode(plan, spec, m)),
        "camera_movements": _options(
            CAMERA_MOVEMENTS, lambda c: c == "static" or plan.camera_movement
        ),
        "num_images": _options([(n, n) for n in range(1, MAX_IMAGES + 1)]),
        "prices": prices,
        "sound": spec.supports_sound,
        "effects": [
            {
                "slug": effect.slug,
                "name": effect.display_name,
                "photos": effect.photos,
                "retouches": effects.retouches_offered(effect),
                "price_points": points(effect.price),
                "allowed": effects.allowed(effect, plan),
            }
            for effect in effects.catalogue()
        ],
        "max_references": MAX_REFERENCES,
        "max_clip_seconds": MAX_CLIP_SECONDS,
        "plan": {
            "name": plan.plan_name,
            "no_watermark": plan.no_watermark,
            "professional_mode": plan.professional_mode,
            "video_extension": plan.video_extension,
            "camera_movement": plan.camera_movement,
            "priority_queue": plan.priority_queue,
            "max_concurrent_jobs": plan.max_concurrent_jobs,
            "max_resolution": plan.max_resolution,
            "max_frame_rate": plan.max_frame_rate,
        },
    }


def _priced_requests(spec):
    """(kind, params) of each request the price table has a row for, on this site's model: each
    kind in each mode and length it is sold in (a storyboard's and a restyle's every whole
    second), with sound where the model makes it, each effect of the catalogue, and sound added
    to a video of each whole second (standard: the job keeps its video's picture)."""
    for kind in CREATABLE_KINDS:
        if services.engine_kind(kind) not in spec.kinds:
            continue
        if kind == Job.Kind.EFFECT:
            for effect in effects.catalogue():
                yield kind, {"effect": effect.slug, "duration_s": 5, "mode": "standard"}
            continue
        if kind == Job.Kind.ADD_SOUND:
            for seconds in ADD_SOUND_SECONDS:
                yield kind, {"duration_s": seconds, "mode": "standard", "sound": True}
            continue
        picture = kind == Job.Kind.TEXT_TO_PICTURE
        lengths = {
            Job.Kind.TEXT_TO_PICTURE: [None],
            Job.Kind.EXTEND: [5],
            Job.Kind.STORYBOARD: list(STORYBOARD_SECONDS),
            Job.Kind.RESTYLE: list(RESTYLE_SECONDS),
        }.get(kind, [5, 10])
        sounds = [False, True] if spec.supports_sound and kind in SOUND_KINDS else [False]
        for sound in sounds:
            for mode in ["standard"] if picture else ["standard", "professional"]:
                for duration in lengths:
                    params = {"duration_s": duration, "mode": mode, "num_images": 1}
                    yield kind, {**params, "sound": True} if sound else params


@router.get(
    "/quote", response={200: QuoteOut, **problems(401, 403, 422)}, summary="Price a request"
)
def quote(
    request,
    kind: Kind = "text_to_video",
    duration_s: Duration = Duration.FIVE,
    mode: Mode = "standard",
    num_images: int = Query(1, ge=1, le=MAX_IMAGES),
    camera_movement: CameraMovement = "static",
    aspect_ratio: AspectRatio = "16:9",
    shot_duration_s: list[ShotSeconds] | None = SHOT_LENGTHS,
    shot_camera_movement: list[CameraMovement] | None = SHOT_CAMERAS,
    sound: bool = SOUND,
    effect: str | None = EFFECT,
    clip_seconds: ClipSeconds | None = CLIP_SECONDS,
    sound_source: int | None = SOUND_SOURCE,
):
    """What a job with these options would cost, whether the balance covers it, and which
    options the caller's plan refuses. Nothing is held. A storyboard is priced by its shots'
    lengths (`shot_duration_s`, one per shot), a restyle by its clip's (`clip_seconds`), sound
    added to a video by the video's (`sound_source`, or `clip_seconds`) and an effect by the
    catalogue (`effect`), as the create page prices them."""
    require_scope(request, "read")
    user = request.auth.user
    params = {
        "duration_s": 5 if kind != Job.Kind.TEXT_TO_PICTURE else None,
        "mode": mode,
        "num_images": num_images if kind == Job.Kind.TEXT_TO_PICTURE else 1,
        "camera_movement": camera_movement,
        "aspect_ratio": aspect_ratio,
    }
    if sound:  # priced as asked: the price table refuses it for kinds that have no sound
        params["sound"] = True
    if kind not in (Job.Kind.EXTEND, Job.Kind.TEXT_TO_PICTURE):
        params["duration_s"] = int(duration_s)
    if kind == Job.Kind.STORYBOARD:
        params.update(_storyboard_params(shot_duration_s or [], shot_camera_movement or []))
    if kind == Job.Kind.RESTYLE:
        if clip_seconds is None:
            detail = _("A restyle is priced by its clip: send clip_seconds (%(min)d to %(max)d).")
            raise Problem(422, "invalid_request", detail % {"min": 1, "max": MAX_CLIP_SECONDS})
        params.update(duration_s=clip_seconds, camera_movement="static")
    if kind == Job.Kind.ADD_SOUND:  # the video's length; standard, its own picture
        seconds = _sound_seconds(user, sound_source, clip_seconds)
        params.update(duration_s=seconds, mode="standard", camera_movement="static", sound=True)
    if kind == Job.Kind.EFFECT:  # 5 s, standard, no camera move: the effect decides
        if effects.get_effect(effect) is None:
            raise Problem(422, "invalid_request", _("Choose one of the effects."))
        params.update(effect=effect, duration_s=5, mode="standard", camera_movement="static")
    try:
        price = services.price_for(kind, params)
    except PriceError as exc:
        raise Problem(422, "invalid_request", str(exc)) from None
    have = ledger.balance(user)
    return {
        "price_points": points(price),
        "balance_points": points(have),
        "affordable": have >= price,
        "locked": {k: str(v) for k, v in services.locked_option_errors(user, kind, params).items()},
    }


def _sound_seconds(user, source_id: int | None, clip_seconds: int | None) -> int:
    """The whole seconds sound added to a video is priced at: those of the caller's video
    `source_id` when it can take sound (the create form's rule, add_sound.checked_source), else
    `clip_seconds`; 422 when it cannot or neither is sent."""
    if source_id is not None:
        source, refusal = add_sound.checked_source(user, source_id)
        if source is None:
            errors = {"sound_source": [str(refusal)]}
            raise Problem(422, "invalid_request", str(refusal), errors=errors)
        return add_sound.billed_seconds(source)
    if clip_seconds is None:
        detail = _(
            "Sound added to a video is priced by the video: send sound_source (its job id) or "
            "clip_seconds (%(min)d to %(max)d)."
        )
        raise Problem(422, "invalid_request", detail % {"min": 1, "max": MAX_CLIP_SECONDS})
    return clip_seconds


def _storyboard_params(lengths: list[int], cameras: list[str]) -> dict:
    """A storyboard's priced params from its shots' lengths (and camera movements, which a plan
    may lock): the shots as the create form stores them, less their prompts."""
    if not MIN_SHOTS <= len(lengths) <= MAX_SHOTS:
        detail = _("A storyboard has %(min)d to %(max)d shots: send shot_duration_s for each.") % {
            "min": MIN_SHOTS,
            "max": MAX_SHOTS,
        }
        raise Problem(422, "invalid_request", detail)
    if len(cameras) > len(lengths):
        raise Problem(422, "invalid_request", _("More camera movements than shots."))
    cameras = cameras + ["static"] * (len(lengths) - len(cameras))
    shots = [
        {"duration_s": seconds, "camera_movement": camera}
        for seconds, camera in zip(lengths, cameras, strict=True)
    ]
    return {"duration_s": sum(lengths), "camera_movement": "static", "shots": shots}
