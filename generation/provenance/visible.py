"""The visible watermark: the logo and "AI-generated / AI生成" in the top-right corner (a player's
controls cover the bottom of a video, and would hide a mark there).

The artwork is static/img/watermark.png (drawn by `manage.py render_watermark`). It is scaled
to each output: its height is a fixed share of the frame's short side, so a 1080p video, its
320-pixel preview and a picture all carry the mark at the same relative size. Only the corner
is touched, so marking a 150-frame 1080p clip costs milliseconds.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
from django.conf import settings
from PIL import Image

from generation.media import add_logo

ARTWORK = Path(settings.BASE_DIR) / "static" / "img" / "watermark.png"
HEIGHT_SHARE = 0.08  # of the short side
MIN_HEIGHT = 16  # pixels: below this the label cannot be read at all
MAX_WIDTH_SHARE = 0.45  # of the width, for very tall frames
MARGIN_SHARE = 0.03  # of the short side
OPACITY = 0.7


@functools.cache
def _artwork() -> Image.Image:
    return Image.open(ARTWORK).convert("RGBA")


@functools.lru_cache(maxsize=16)
def placement(width: int, height: int) -> tuple[Image.Image, int]:
    """The artwork scaled for a `width` x `height` frame, and the margin from the corner."""
    art = _artwork()
    short = min(width, height)
    mark_height = max(MIN_HEIGHT, round(short * HEIGHT_SHARE))
    mark_width = round(art.width * mark_height / art.height)
    if mark_width > width * MAX_WIDTH_SHARE:
        mark_width = max(1, int(width * MAX_WIDTH_SHARE))
        mark_height = max(1, round(art.height * mark_width / art.width))
    scaled = art.resize((mark_width, mark_height), Image.Resampling.LANCZOS)
    return scaled, max(2, round(short * MARGIN_SHARE))


def mark_box(width: int, height: int) -> tuple[int, int, int, int]:
    """Where the mark lands on a `width` x `height` frame: (left, top, right, bottom)."""
    art, margin = placement(width, height)
    right, top = width - margin, margin
    return right - art.width, top, right, top + art.height


def mark_frames(frames: np.ndarray) -> np.ndarray:
    """Blend the mark into every frame of (T, H, W, 3) uint8 `frames`, in place; returns them."""
    _count, height, width, _ = frames.shape
    art, margin = placement(width, height)
    return add_logo(frames, art, margin=margin, opacity=OPACITY, top=True)


def mark_image(image: Image.Image) -> Image.Image:
    """A marked RGB copy of `image`."""
    pixels = np.array(image.convert("RGB"))[None]
    return Image.fromarray(mark_frames(pixels)[0])
