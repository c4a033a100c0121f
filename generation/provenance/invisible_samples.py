"""Synthetic clips of varied content, for measuring the invisible mark (benchmark and tests).

Each kind stresses the mark differently: smooth moving gradients (easy for the detector, visible
if the mark were strong), fractal noise textures with a slow pan (content at the mark's own
scale, and motion that the codec's prediction drags the mark along with), shapes, scrolling
text-like edges, flat dark and bright scenes (the mark clips at 0 and 255), and fast motion
(large objects crossing the frame and camera shake). All are deterministic given the seed.
"""

from __future__ import annotations

import cv2
import numpy as np

KINDS = ("gradient", "texture", "shapes", "text", "dark", "bright", "fast")


def make_clip(kind: str, seed: int, frames: int, height: int, width: int) -> np.ndarray:
    """A (frames, height, width, 3) uint8 RGB clip of the given kind."""
    rng = np.random.default_rng(seed)
    return _MAKERS[kind](rng, frames, height, width)


def fractal_noise(rng: np.random.Generator, height: int, width: int, beta: float = 2.0):
    """Zero-mean, unit-variance noise with a 1/f^beta power spectrum (like natural images)."""
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.rfftfreq(width)[None, :]
    radius = np.sqrt(fy * fy + fx * fx)
    radius[0, 0] = 1.0
    spectrum = rng.normal(size=radius.shape) + 1j * rng.normal(size=radius.shape)
    image = np.fft.irfft2(spectrum / radius ** (beta / 2), s=(height, width))
    return ((image - image.mean()) / image.std()).astype(np.float32)


def _gradient(rng, count, height, width):
    y, x = np.mgrid[0 : height // 4, 0 : width // 4].astype(np.float32) * 4
    angle = rng.uniform(0, np.pi)
    ramp = (np.cos(angle) * x / width + np.sin(angle) * y / height) * 255
    base = rng.uniform(0, 255, 3)
    span = rng.uniform(0.3, 0.9, 3)
    speed = rng.uniform(1, 6)
    shade = (base + span * ramp[..., None]).astype(np.int32)
    triangle = np.abs(np.arange(4096) % 510 - 255).astype(np.uint8)  # colours bounce, not wrap
    out = np.empty((count, height, width, 3), dtype=np.uint8)
    for t in range(count):  # smooth: drawn at a quarter of the size, then enlarged
        out[t] = cv2.resize(triangle[shade + int(speed * t)], (width, height))
    return out


def _texture(rng, count, height, width):
    speed = rng.uniform(0, 3)
    contrast = rng.uniform(15, 40)
    pad = int(np.ceil(speed * count)) + 1
    luma = fractal_noise(rng, height, width + pad, beta=rng.uniform(1.8, 2.6))
    tint = rng.uniform(0.7, 1.2, 3)
    mean = rng.uniform(90, 160)
    picture = np.clip(mean + contrast * luma[..., None] * tint, 0, 255).astype(np.uint8)
    return np.stack([picture[:, int(speed * t) : int(speed * t) + width] for t in range(count)])


def _background(rng, height, width):
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    low, high = rng.uniform(20, 120, 3), rng.uniform(130, 240, 3)
    mix = (x / width * 0.6 + y / height * 0.4)[..., None]
    return (low + (high - low) * mix).astype(np.float32)


class _Movers:
    """A few circles and bars, each moving at its own constant speed (wrapping around)."""

    def __init__(self, rng, height, width, speed_range, sizes):
        n = int(rng.integers(3, 9))
        self.size = (width, height)
        self.centres = rng.uniform(0, 1, (n, 2)) * (width, height)
        speed = rng.uniform(*speed_range, (n, 2)) * rng.choice([-1, 1], (n, 2))
        self.velocity = speed * width / 1920
        self.radii = (rng.uniform(*sizes, n) * height).astype(int)
        self.colours = rng.uniform(0, 255, (n, 3)).tolist()

    def draw(self, frame: np.ndarray, t: int) -> None:
        for i, r in enumerate(self.radii):
            cx, cy = ((self.centres[i] + self.velocity[i] * t) % self.size).astype(int)
            if i % 2:
                cv2.circle(frame, (cx, cy), int(r), self.colours[i], -1)
            else:
                cv2.rectangle(
                    frame, (cx - r, cy - r // 2), (cx + r, cy + r // 2), self.colours[i], -1
                )


def _shapes(rng, count, height, width):
    background = _background(rng, height, width).astype(np.uint8)
    movers = _Movers(rng, height, width, speed_range=(2, 12), sizes=(0.03, 0.12))
    out = np.empty((count, height, width, 3), dtype=np.uint8)
    for t in range(count):
        out[t] = background
        movers.draw(out[t], t)
    return out


def _text(rng, count, height, width):
    ink, paper = (rng.uniform(0, 60), rng.uniform(190, 255))
    if rng.random() < 0.5:
        ink, paper = paper, ink
    lines = int(rng.integers(6, 14))
    page = np.full((height * 2, width), paper, dtype=np.uint8)
    scale = height / 1080 * rng.uniform(1.0, 2.2)
    letters = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789"
    for line in range(lines * 2):
        text = "".join(rng.choice(list(letters), int(rng.integers(20, 60))))
        y = int((line + 1) * height * 2 / (lines * 2 + 1))
        thickness = max(1, int(2 * scale))
        cv2.putText(
            page, text, (int(width * 0.03), y), cv2.FONT_HERSHEY_SIMPLEX, scale, ink, thickness
        )
    speed = rng.uniform(0, 4) * height / 1080
    out = np.empty((count, height, width, 3), dtype=np.uint8)
    for t in range(count):
        top = int(speed * t) % height
        out[t] = page[top : top + height, :, None]
    return out


def _flat(rng, count, height, width, low, high):
    level = rng.uniform(low, high)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    vignette = 1 - 0.15 * (((x / width - 0.5) ** 2 + (y / height - 0.5) ** 2) * 4)
    picture = np.clip(level * vignette[..., None] + rng.normal(0, 1.0, (height, width, 3)), 0, 255)
    frame = picture.astype(np.uint8)
    return np.repeat(frame[None], count, axis=0)


def _fast(rng, count, height, width):
    shake = rng.uniform(4, 20) * width / 1920
    pad = int(shake * 2) + 2
    texture = 128 + 35 * fractal_noise(rng, height + 2 * pad, width + 2 * pad, beta=2.4)
    background = np.clip(texture[..., None] * rng.uniform(0.7, 1.2, 3), 0, 255).astype(np.uint8)
    movers = _Movers(rng, height, width, speed_range=(25, 60), sizes=(0.1, 0.25))
    out = np.empty((count, height, width, 3), dtype=np.uint8)
    for t in range(count):
        dy, dx = (pad + rng.uniform(-shake, shake, 2)).astype(int)
        out[t] = background[dy : dy + height, dx : dx + width]
        movers.draw(out[t], t)
    return out


_MAKERS = {
    "gradient": _gradient,
    "texture": _texture,
    "shapes": _shapes,
    "text": _text,
    "dark": lambda rng, c, h, w: _flat(rng, c, h, w, 8, 35),
    "bright": lambda rng, c, h, w: _flat(rng, c, h, w, 215, 250),
    "fast": _fast,
}
