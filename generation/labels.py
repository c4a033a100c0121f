"""The names people read for the engine's options (aspect ratios, quality modes, camera
presets), translated when shown. Below the models and the form, which both show them."""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from generation.engine.specs import CAMERA_MOVEMENTS as ENGINE_CAMERA_MOVEMENTS

ASPECT_RATIOS = [("16:9", "16:9"), ("9:16", "9:16"), ("1:1", "1:1")]
MODES = [("standard", gettext_lazy("Standard")), ("professional", gettext_lazy("Professional"))]
# The presets live with the engine, which knows how each model is told about the camera; their
# names for people live here, translated when shown (the engine does not import Django).
CAMERA_LABELS = {
    "static": gettext_lazy("Static"),
    "pan_left": gettext_lazy("Pan left"),
    "pan_right": gettext_lazy("Pan right"),
    "tilt_up": gettext_lazy("Tilt up"),
    "tilt_down": gettext_lazy("Tilt down"),
    "zoom_in": gettext_lazy("Zoom in"),
    "zoom_out": gettext_lazy("Zoom out"),
    "roll": gettext_lazy("Roll"),
    "orbit": gettext_lazy("Orbit"),
    "crane_up": gettext_lazy("Crane up"),
    "dolly_zoom": gettext_lazy("Dolly zoom"),
    "tracking": gettext_lazy("Tracking shot"),
}


def camera_label(key: str):
    """The preset's name in the reader's language ("Master shot: Orbit" for compound moves)."""
    movement = ENGINE_CAMERA_MOVEMENTS.get(key)
    label = CAMERA_LABELS.get(key, movement.label if movement else key)
    if movement is not None and movement.master_shot:
        return format_lazy(gettext_lazy("Master shot: {}"), label)
    return label


CAMERA_MOVEMENTS = [(key, camera_label(key)) for key in ENGINE_CAMERA_MOVEMENTS]


def aspect_ratio_of(width: int, height: int) -> str:
    """The offered aspect ratio closest to a `width` x `height` picture's."""
    ratio = width / height
    return min(
        (value for value, _label in ASPECT_RATIOS),
        key=lambda value: abs(_as_float(value) - ratio),
    )


def _as_float(value: str) -> float:
    w, h = value.split(":")
    return int(w) / int(h)
