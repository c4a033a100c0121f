"""What a job costs, from one table (settings.POINT_PRICES, each price from the environment).

Prices are written in points ("10", "0.2") and used as integers of tenths. The professional
multiplier is a Decimal; a product that is not a whole tenth is rounded up, never through floats.
"""

from collections.abc import Mapping
from decimal import ROUND_CEILING, Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from billing.units import PointsSyntaxError, parse_points

KINDS = (
    "text_to_video",
    "image_to_video",
    "extend",
    "text_to_picture",
    "storyboard",
    "references",
    "restyle",
    "add_sound",
)
DURATIONS = (5, 10)
# A storyboard lasts the sum of its shots, whole seconds up to the longest video (10 s).
STORYBOARD_SECONDS = range(2, max(DURATIONS) + 1)
# A restyle is paid per second of its source clip (rounded up), 1 to 10 s.
RESTYLE_SECONDS = range(1, max(DURATIONS) + 1)
PER_SECOND = {"storyboard": STORYBOARD_SECONDS, "restyle": RESTYLE_SECONDS}
# Sound added to one of the user's videos is paid per second of it (rounded up), 1 to 10 s, at
# the sound option's rate: PRICE_SOUND per 5 s, whatever the video's mode.
ADD_SOUND_SECONDS = range(1, max(DURATIONS) + 1)
MODES = ("standard", "professional")
MAX_IMAGES = 4

# Which environment variable sets each entry of settings.POINT_PRICES (named in errors).
PRICE_VARIABLES = {
    "video_5s": "PRICE_VIDEO_5S",
    "video_10s": "PRICE_VIDEO_10S",
    "picture": "PRICE_PICTURE",
    "professional_multiplier": "PRICE_PROFESSIONAL_MULTIPLIER",
}


# The soundtrack's own price (settings.SOUND_POINT_PRICE, from PRICE_SOUND): points per 5 s of
# a text or image to video clip made with sound, on top of the video's price, whatever the mode
# (professional mode makes the picture bigger, not the soundtrack).
SOUND_KINDS = ("text_to_video", "image_to_video")
SOUND_VARIABLE = "PRICE_SOUND"


def sound_price() -> int:
    """Tenths of a point per 5 s of sound; a malformed setting raises ImproperlyConfigured."""
    raw = settings.SOUND_POINT_PRICE
    try:
        price = parse_points(raw)
    except PointsSyntaxError:
        price = 0
    if price <= 0:
        raise ImproperlyConfigured(f"{SOUND_VARIABLE} must be a positive number, got {raw!r}")
    return price


class PriceError(ValueError):
    """The request names something that has no price (an unknown kind, a 7-second video...)."""


def price_table() -> dict:
    """{"video_5s": 100, "video_10s": 200, "picture": 2, "professional_multiplier": Decimal("3.5")}.
    A malformed setting raises ImproperlyConfigured naming its variable (checked at start-up)."""
    raw = settings.POINT_PRICES
    table = {}
    for key, variable in PRICE_VARIABLES.items():
        if key not in raw:
            raise ImproperlyConfigured(f"POINT_PRICES lacks {key!r} ({variable})")
        try:
            if key == "professional_multiplier":
                table[key] = Decimal(str(raw[key]).strip())
                valid = table[key].is_finite() and table[key] >= 1
            else:
                table[key] = parse_points(raw[key])
                valid = table[key] > 0
        except (InvalidOperation, PointsSyntaxError):
            valid = False
        if not valid:
            raise ImproperlyConfigured(f"{variable} must be a positive number, got {raw[key]!r}")
    return table


def price_of(request_params: Mapping) -> int:
    """The price in tenths of a point of one job request: {"kind": ..., "duration": 5 | 10,
    "mode": "standard" | "professional", "num_images": 1-4}. Videos: 5 s standard 10 points,
    10 s 20, professional x3.5 (35 / 70). An extension is a new 5-second clip whatever duration
    is sent. Pictures: 0.2 points each. A storyboard is paid per second of its total length at
    the 5-second video's rate (2 points a second: 6 s, 12 points), so telling a story in shots
    costs what one clip of that length would; a restyle the same per second of its source
    (1 to 10 s). A video from reference photos costs what a text to video of its length does,
    whatever the number of photos (1-4), as Kling's Elements cost what its other videos do.
    "sound": true adds PRICE_SOUND per 5 s to a text or image to video clip (5 points: 15 for
    5 s, 30 for 10 s, 40 professional 5 s). Sound added to an existing video ("add_sound",
    1 to 10 s) costs the same rate per second of the video, rounded up (5 s: 5 points, 3 s:
    3), and nothing for its picture. Raises PriceError for anything else."""
    table = price_table()
    kind = request_params.get("kind")
    if kind not in KINDS:
        raise PriceError(f"unknown kind of job: {kind!r}")
    if kind == "add_sound":
        seconds = _whole_number(request_params.get("duration", 5), "duration")
        if seconds not in ADD_SOUND_SECONDS:
            last = ADD_SOUND_SECONDS[-1]
            raise PriceError(f"sound is added to videos of 1 to {last} seconds, got {seconds}")
        return -(-sound_price() * seconds // 5)
    if request_params.get("sound") and kind not in SOUND_KINDS:
        _sound(kind, 5, True)  # raises: no other kind has a soundtrack
    if kind == "text_to_picture":
        count = _whole_number(request_params.get("num_images", 1), "num_images")
        if not 1 <= count <= MAX_IMAGES:
            raise PriceError(f"num_images must be 1 to {MAX_IMAGES}, got {count}")
        return table["picture"] * count
    mode = request_params.get("mode") or "standard"
    if mode not in MODES:
        raise PriceError(f"mode must be standard or professional, got {mode!r}")
    duration = (
        5 if kind == "extend" else _whole_number(request_params.get("duration", 5), "duration")
    )
    if kind in PER_SECOND:
        seconds = PER_SECOND[kind]
        if duration not in seconds:
            lasts = f"{seconds[0]} to {seconds[-1]} seconds"
            raise PriceError(f"a {kind} lasts {lasts}, got {duration}")
        base = Decimal(table["video_5s"]) * duration / 5
        if mode == "professional":
            base *= table["professional_multiplier"]
        return int(base.to_integral_value(ROUND_CEILING))
    if duration not in DURATIONS:
        raise PriceError(f"duration must be 5 or 10 seconds, got {duration}")
    base = table["video_5s"] if duration == 5 else table["video_10s"]
    if mode == "professional":
        base = int((base * table["professional_multiplier"]).to_integral_value(ROUND_CEILING))
    return base + _sound(kind, duration, request_params.get("sound"))


def _sound(kind: str, duration: int, sound) -> int:
    """The soundtrack's price for a clip of `duration` seconds (0 without sound)."""
    if not sound:
        return 0
    if kind not in SOUND_KINDS:
        raise PriceError(f"sound comes with text or image to video, not {kind!r}")
    return sound_price() * duration // 5


def price_rows() -> list[dict]:
    """The price list shown to people, in tenths: one row per kind of request."""

    def both(kind, duration=5):
        params = {"kind": kind, "duration": duration}
        return price_of({**params, "mode": "standard"}), price_of(
            {**params, "mode": "professional"}
        )

    rows = []
    for label, kind, duration in [
        (_("Text or image to video, 5 s"), "text_to_video", 5),
        (_("Text or image to video, 10 s"), "text_to_video", 10),
        (_("Extend a video by 5 s"), "extend", 5),
        (_("Video from 1-4 reference photos, 5 s"), "references", 5),
        (_("Video from 1-4 reference photos, 10 s"), "references", 10),
    ]:
        standard, professional = both(kind, duration)
        rows.append({"label": label, "standard": standard, "professional": professional})
    standard, professional = both("storyboard", 1 + 1)  # per second: half of two
    rows.append(
        {
            "label": _("Storyboard, per second of the whole story"),
            "standard": _per_second(standard),
            "professional": _per_second(professional),
        }
    )
    standard, professional = both("restyle", 1)
    rows.append(
        {
            "label": _("Restyle a video, per second of the clip"),
            "standard": standard,
            "professional": professional,
        }
    )
    sound = price_of({"kind": "text_to_video", "duration": 5, "sound": True}) - price_of(
        {"kind": "text_to_video", "duration": 5}
    )
    rows.append({"label": _("Sound, per 5 s of video"), "standard": sound, "professional": sound})
    added = price_of({"kind": "add_sound", "duration": 1})
    rows.append(
        {
            "label": _("Add sound to one of your videos, per second"),
            "standard": added,
            "professional": added,
        }
    )
    rows.append(
        {
            "label": _("Text to picture, per picture"),
            "standard": price_of({"kind": "text_to_picture", "num_images": 1}),
            "professional": None,
        }
    )
    return rows


def _per_second(two_seconds: int) -> int:
    return -(-two_seconds // 2)


def _whole_number(value, name: str) -> int:
    if isinstance(value, bool):
        raise PriceError(f"{name} must be a whole number, got {value!r}")
    try:
        return int(str(value).strip())
    except ValueError:
        raise PriceError(f"{name} must be a whole number, got {value!r}") from None
