"""What the caller may make and what it costs: the model's kinds and options, each marked as
allowed or not by the caller's plan, the price table, and the quote for one request."""

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Query, Router

from billing import ledger
from billing.entitlements import entitlements
from billing.pricing import MAX_IMAGES, STORYBOARD_SECONDS, PriceError
from generation import services
from generation.engine.types import MAX_SHOTS, MIN_SHOTS
from generation.forms import ASPECT_RATIOS, CAMERA_MOVEMENTS, DURATIONS, MODES
from generation.models import Job
from webapp.api.auth import require_scope
from webapp.api.problems import Problem, problems
from webapp.api.schemas import (
    CREATABLE_KINDS,
    AspectRatio,
    CameraMovement,
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
        return kind in spec.kinds and not services.locked_option_errors(user, kind, {})

    prices = []
    for kind in [kind for kind in CREATABLE_KINDS if kind in spec.kinds]:
        picture = kind == Job.Kind.TEXT_TO_PICTURE
        for mode in ["standard"] if picture else ["standard", "professional"]:
            lengths = [None] if picture else [5] if kind == Job.Kind.EXTEND else [5, 10]
            if kind == Job.Kind.STORYBOARD:  # each whole length a story can have
                lengths = list(STORYBOARD_SECONDS)
            for duration in lengths:
                params = {"duration_s": duration, "mode": mode, "num_images": 1}
                prices.append(
                    {
                        "kind": kind,
                        "duration_s": duration,
                        "mode": mode,
                        "num_images": 1,
                        "price_points": points(services.price_for(kind, params)),
                    }
                )
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
):
    """What a job with these options would cost, whether the balance covers it, and which
    options the caller's plan refuses. Nothing is held. A storyboard is priced by its shots'
    lengths (`shot_duration_s`, one per shot), as the create page prices it."""
    require_scope(request, "read")
    user = request.auth.user
    params = {
        "duration_s": 5 if kind != Job.Kind.TEXT_TO_PICTURE else None,
        "mode": mode,
        "num_images": num_images if kind == Job.Kind.TEXT_TO_PICTURE else 1,
        "camera_movement": camera_movement,
        "aspect_ratio": aspect_ratio,
    }
    if kind not in (Job.Kind.EXTEND, Job.Kind.TEXT_TO_PICTURE):
        params["duration_s"] = int(duration_s)
    if kind == Job.Kind.STORYBOARD:
        params.update(_storyboard_params(shot_duration_s or [], shot_camera_movement or []))
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
