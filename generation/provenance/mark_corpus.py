"""Natural-looking clips made in code, for measuring the invisible mark (`bench_watermark`).

Not noise: landscapes of fractal terrain under a sky, panned or zoomed like a camera; sunset
skies with soft clouds and film grain (where a mark would show first); a portrait drawn from
shaded ellipses with a slight sway; a night street of blurred lights on a dark gradient; and
fast motion (a whip pan with objects crossing). Every clip is deterministic given its seed and
is drawn with sub-pixel camera motion (bilinear), so the encoder sees what it sees in footage.
"""

from __future__ import annotations

import cv2
import numpy as np

from .invisible_samples import fractal_noise

KINDS = ("pan", "zoom", "sky", "portrait", "night", "fast")
SIZES = {  # name: (width, height)
    "1080p": (1920, 1080),
    "480p": (854, 480),
    "9:16 1080p": (608, 1080),
    "9:16 480p": (480, 854),
    "1:1 1080p": (1080, 1080),
    "1:1 480p": (480, 480),
}


def make_clip(kind: str, seed: int, frames: int, width: int, height: int) -> np.ndarray:
    """A (frames, height, width, 3) uint8 RGB clip of the given kind."""
    rng = np.random.default_rng(seed)
    return _MAKERS[kind](rng, frames, width, height)


def _camera(scene: np.ndarray, frames: int, width: int, height: int, path) -> np.ndarray:
    """Frames seen through a camera over `scene`: path(t) -> (x, y, zoom) of the view's
    top-left corner in scene px and its magnification."""
    out = np.empty((frames, height, width, 3), dtype=np.uint8)
    for t in range(frames):
        x, y, zoom = path(t)
        matrix = np.float32([[1 / zoom, 0, x], [0, 1 / zoom, y]])
        view = cv2.warpAffine(
            scene,
            matrix,
            (width, height),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REFLECT,
        )
        out[t] = np.clip(view + 0.5, 0, 255)
    return out


def _grain(rng, frames: np.ndarray, sigma: float) -> np.ndarray:
    if sigma <= 0:
        return frames
    noise = rng.normal(0, sigma, frames.shape[1:3] + (1,)).astype(np.float32)
    out = np.empty_like(frames)
    for t, frame in enumerate(frames):
        shifted = np.roll(noise, (t * 37) % noise.shape[0], axis=0)  # grain that changes
        out[t] = np.clip(frame + shifted, 0, 255)
    return out


def landscape(rng, width: int, height: int) -> np.ndarray:
    """Hills of fractal terrain under a hazy sky, coloured like a photograph (float32 RGB)."""
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    horizon = rng.uniform(0.3, 0.5) + 0.08 * fractal_noise(rng, 1, width, beta=3.0)[0][None, :]
    sky = np.stack([150 + 60 * y, 180 + 40 * y, 235 - 10 * y], axis=-1) * np.ones(
        (1, width, 1), np.float32
    )
    detail = fractal_noise(rng, height, width, beta=rng.uniform(1.8, 2.3))
    shade = fractal_noise(rng, height, width, beta=3.2)
    grass = np.array(rng.uniform([60, 90, 40], [110, 140, 70]), np.float32)
    rock = np.array(rng.uniform([110, 100, 90], [160, 150, 130]), np.float32)
    mix = np.clip(0.5 + 0.5 * shade, 0, 1)[..., None]
    ground = grass * (1 - mix) + rock * mix
    ground = ground * (1 + 0.22 * detail[..., None]) * (0.75 + 0.5 * (y[..., None] - 0.3))
    land = (y > horizon)[..., None]
    picture = np.where(land, ground, sky)
    return cv2.GaussianBlur(picture, (0, 0), 0.7)


def _pan(rng, frames, width, height):
    speed = rng.uniform(1.5, 6.0) * width / 1920 * rng.choice([-1, 1])
    drift = rng.uniform(-0.6, 0.6) * height / 1080
    pad_x = int(abs(speed) * frames) + 4
    pad_y = int(abs(drift) * frames) + 4
    scene = landscape(rng, width + pad_x, height + pad_y)
    x0 = pad_x - 2 if speed < 0 else 2
    y0 = pad_y - 2 if drift < 0 else 2
    clip = _camera(scene, frames, width, height, lambda t: (x0 + speed * t, y0 + drift * t, 1.0))
    return _grain(rng, clip, rng.uniform(0.0, 1.2))


def _zoom(rng, frames, width, height):
    scene = landscape(rng, width, height)
    rate = rng.uniform(0.001, 0.004) * rng.choice([-1, 1])

    def path(t):
        zoom = 1.0 + 0.1 * (rate < 0) + rate * t
        return width / 2 * (1 - 1 / zoom), height / 2 * (1 - 1 / zoom), zoom

    return _grain(rng, _camera(scene, frames, width, height, path), rng.uniform(0.0, 1.0))


def sunset(rng, width: int, height: int) -> np.ndarray:
    """A sunset sky: a smooth vertical gradient with soft, low-contrast clouds (float32 RGB)."""
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    top = np.array(rng.uniform([40, 60, 120], [80, 100, 170]), np.float32)
    bottom = np.array(rng.uniform([230, 130, 60], [255, 180, 110]), np.float32)
    sky = top * (1 - y) + bottom * y
    clouds = np.clip(fractal_noise(rng, height, width, beta=3.4), -1, 3)[..., None]
    cover = rng.uniform(4, 14)
    return sky + cover * clouds * np.array([1.0, 0.85, 0.8], np.float32)


def _sky(rng, frames, width, height):
    speed = rng.uniform(0.0, 1.5) * width / 1920
    scene = sunset(rng, width + int(speed * frames) + 4, height)
    clip = _camera(scene, frames, width, height, lambda t: (2 + speed * t, 0.0, 1.0))
    return _grain(rng, clip, rng.uniform(0.3, 1.0))


def portrait(rng, width: int, height: int) -> np.ndarray:
    """A head and shoulders drawn from shaded ellipses on a soft background (float32 RGB)."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    background = cv2.resize(
        (120 + 40 * fractal_noise(rng, height // 8 + 1, width // 8 + 1, beta=3.0))[..., None]
        * np.array(rng.uniform(0.7, 1.2, 3), np.float32),
        (width, height),
    )
    picture = cv2.GaussianBlur(background, (0, 0), 4)
    cx, cy = width / 2, height * 0.45
    scale = min(width, height)
    rx, ry = scale * 0.17, scale * 0.23
    skin = np.array(rng.uniform([190, 140, 110], [235, 190, 160]), np.float32)
    hair = np.array(rng.uniform([20, 15, 10], [90, 60, 40]), np.float32)
    body = ((xx - cx) / (scale * 0.4)) ** 2 + ((yy - cy - scale * 0.55) / (scale * 0.3)) ** 2 < 1
    picture[body] = np.array(rng.uniform(30, 160, 3), np.float32)
    hair_mask = ((xx - cx) / (rx * 1.25)) ** 2 + ((yy - cy + ry * 0.1) / (ry * 1.2)) ** 2 < 1
    picture[hair_mask] = hair
    d2 = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2
    face = d2 < 1
    picture[face] = (skin * (1.05 - 0.3 * d2[..., None]))[face]
    for side in (-1, 1):  # eyes, brows
        ex, ey = cx + side * rx * 0.4, cy - ry * 0.1
        eye = ((xx - ex) / (rx * 0.16)) ** 2 + ((yy - ey) / (ry * 0.06)) ** 2 < 1
        picture[eye] = (240, 240, 235)
        iris = (xx - ex) ** 2 + (yy - ey) ** 2 < (ry * 0.05) ** 2
        picture[iris] = (60, 40, 30)
        brow = (np.abs(yy - ey + ry * 0.14) < ry * 0.02) & (np.abs(xx - ex) < rx * 0.2)
        picture[brow] = hair
    mouth = ((xx - cx) / (rx * 0.3)) ** 2 + ((yy - cy - ry * 0.45) / (ry * 0.05)) ** 2 < 1
    picture[mouth] = (170, 80, 80)
    skin_texture = 3.0 * fractal_noise(rng, height, width, beta=1.6)[..., None]
    picture = np.where(face[..., None], picture + skin_texture, picture)
    return cv2.GaussianBlur(picture, (0, 0), 1.0)


def _portrait(rng, frames, width, height):
    scene = portrait(rng, width + 16, height + 16)
    sway = rng.uniform(1, 4) * width / 1920
    period = rng.uniform(30, 60)

    def path(t):
        return 8 + sway * np.sin(2 * np.pi * t / period), 8 + 0.5 * sway * np.cos(t / period), 1.0

    return _grain(rng, _camera(scene, frames, width, height, path), rng.uniform(0.3, 1.0))


def night(rng, width: int, height: int) -> np.ndarray:
    """A dark street: a dim gradient, dark textured buildings and blurred lights (float32 RGB)."""
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    base = np.array(rng.uniform([6, 8, 16], [14, 16, 30]), np.float32) * (1 + y)
    texture = 4 * fractal_noise(rng, height, width, beta=2.2)[..., None]
    picture = base + np.clip(texture, -3, 8) * (y > 0.35)
    lights = np.zeros((height, width), np.float32)
    for _ in range(int(rng.integers(8, 25))):
        cv2.circle(
            lights,
            (int(rng.uniform(0, width)), int(rng.uniform(0.2, 0.9) * height)),
            int(rng.uniform(2, 8) * min(width, height) / 1080) + 1,
            float(rng.uniform(120, 255)),
            -1,
        )
    glow = cv2.GaussianBlur(lights, (0, 0), 6) + 0.5 * lights
    warm = np.array(rng.uniform([0.9, 0.7, 0.3], [1.0, 0.9, 0.6]), np.float32)
    return picture + glow[..., None] * warm


def _night(rng, frames, width, height):
    speed = rng.uniform(0.0, 3.0) * width / 1920
    scene = night(rng, width + int(speed * frames) + 4, height)
    clip = _camera(scene, frames, width, height, lambda t: (2 + speed * t, 0.0, 1.0))
    return _grain(rng, clip, rng.uniform(0.5, 1.5))


def _fast(rng, frames, width, height):
    speed = rng.uniform(15, 35) * width / 1920
    scene = landscape(rng, width + int(speed * frames) + 8, height)
    clip = _camera(scene, frames, width, height, lambda t: (4 + speed * t, 0.0, 1.0))
    colours = rng.uniform(20, 235, (4, 3)).tolist()
    for t, frame in enumerate(clip):
        for index, colour in enumerate(colours):
            x = (
                int((index * width / 4 - (60 + 20 * index) * width / 1920 * t) % (width + 200))
                - 100
            )
            y = int(height * (0.3 + 0.15 * index))
            radius = int(min(width, height) * (0.05 + 0.02 * index))
            cv2.circle(frame, (x, y), radius, colour, -1, lineType=cv2.LINE_AA)
    return clip


def _finish(maker):
    def make(rng, frames, width, height):
        clip = maker(rng, frames, width, height)
        return np.clip(clip, 0, 255).astype(np.uint8) if clip.dtype != np.uint8 else clip

    return make


_MAKERS = {
    "pan": _finish(_pan),
    "zoom": _finish(_zoom),
    "sky": _finish(_sky),
    "portrait": _finish(_portrait),
    "night": _finish(_night),
    "fast": _finish(_fast),
}
