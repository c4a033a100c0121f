"""From the engine's frames to the files a job keeps: marks, encoding, posters, credentials.

Every output gets the invisible mark (members' too), then is encoded into the clean master
(MP4, JPEG poster, WebP preview, PNG pictures). A job made for a user whose plan does not include
"no watermark" also gets a second, visibly marked variant of each file, drawn on top of the
invisibly marked frames. MP4s and pictures carry a signed C2PA manifest in both variants.
Keeping both lets the file view choose per request from the owner's current plan: an upgrade
makes past works clean at once, with nothing re-generated.

No torch and no ORM here, so the benchmark (`bench_postprocess`) times exactly this code.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.conf import settings
from PIL import Image

from generation import media
from generation.provenance import credentials, invisible_v2, visible


@dataclass(frozen=True)
class Stamp:
    """What a job's outputs say about themselves."""

    job_id: int
    model: str
    created_at: datetime
    watermarked: bool  # make the visibly marked variant too


@dataclass
class Output:
    """One file of a job: its clean master and, for watermarked jobs, the marked variant."""

    kind: str  # an Asset.Kind value
    name: str
    content_type: str
    width: int
    height: int
    data: bytes
    marked_data: bytes | None = None
    frames: int | None = None
    fps: int | None = None
    index: int = 0


def provenance_key() -> bytes:
    return settings.PROVENANCE_KEY.encode()


class Timer:
    """Seconds spent per stage, summed (the benchmark reads them; the worker ignores them)."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started


def render_video(
    stamp: Stamp,
    frames: np.ndarray,
    fps: float,
    *,
    hardware: bool = False,
    timer: Timer | None = None,
) -> list[Output]:
    """video.mp4, poster.jpg and preview.webp for (T, H, W, 3) uint8 `frames`."""
    timer = timer or Timer()
    _count, height, width, _ = frames.shape
    with timer.stage("invisible mark"):
        frames = invisible_v2.embed_frames(frames, stamp.job_id, provenance_key())
    clean = _encode(stamp, frames, fps, hardware, timer, marked=False)
    with timer.stage("preview"):
        small, duration_ms = media.preview_frames(frames, fps)
        # Marked again at its own size, stronger: downscaling and WebP erase most of the mark.
        small = invisible_v2.embed_frames(
            small,
            stamp.job_id,
            provenance_key(),
            strength=invisible_v2.PREVIEW_STRENGTH,
            small_side=invisible_v2.MIN_SIZE,
        )
        clean["preview"] = media.encode_webp(small, duration_ms)
    marked = None
    if stamp.watermarked:
        with timer.stage("preview (marked)"):
            # Drawn at the preview's own size, so it stays legible there; in place, as the
            # clean preview is encoded.
            preview = media.encode_webp(visible.mark_frames(small), duration_ms)
        with timer.stage("visible mark"):
            visible.mark_frames(frames)  # in place: the clean files are done with them
        marked = _encode(stamp, frames, fps, hardware, timer, marked=True)
        marked["preview"] = preview
    return [
        Output(
            kind="video",
            name="video.mp4",
            content_type="video/mp4",
            width=width,
            height=height,
            data=clean["video"],
            marked_data=marked and marked["video"],
            frames=len(frames),
            fps=round(fps),
        ),
        Output(
            kind="poster",
            name="poster.jpg",
            content_type="image/jpeg",
            width=width,
            height=height,
            data=clean["poster"],
            marked_data=marked and marked["poster"],
        ),
        Output(
            kind="preview",
            name="preview.webp",
            content_type="image/webp",
            width=small.shape[2],
            height=small.shape[1],
            data=clean["preview"],
            marked_data=marked and marked["preview"],
        ),
    ]


def _encode(stamp, frames, fps, hardware, timer, *, marked: bool) -> dict[str, bytes]:
    """The signed MP4 and JPEG poster of `frames`."""
    suffix = " (marked)" if marked else ""
    with timer.stage("encode" + suffix):
        video = media.encode_mp4(frames, fps, hardware=hardware)
    with timer.stage("poster" + suffix):
        poster = media.make_poster(frames[0])
    with timer.stage("C2PA sign" + suffix):
        return {
            "video": _sign(stamp, video, "video/mp4", "video.mp4", marked),
            "poster": _sign(stamp, poster, "image/jpeg", "poster.jpg", marked),
        }


def render_pictures(
    stamp: Stamp, images: list[Image.Image], *, timer: Timer | None = None
) -> list[Output]:
    """picture-N.png for each image."""
    timer = timer or Timer()
    outputs = []
    for index, image in enumerate(images):
        name = f"picture-{index + 1}.png"
        with timer.stage("invisible mark"):
            image = invisible_v2.embed_image(image, stamp.job_id, provenance_key())
        with timer.stage("encode"):
            data = media.image_to_png(image)
        with timer.stage("C2PA sign"):
            data = _sign(stamp, data, "image/png", name, False)
        marked_data = None
        if stamp.watermarked:
            with timer.stage("visible mark"):
                marked_image = visible.mark_image(image)
            with timer.stage("encode (marked)"):
                marked_data = media.image_to_png(marked_image)
            with timer.stage("C2PA sign (marked)"):
                marked_data = _sign(stamp, marked_data, "image/png", name, True)
        outputs.append(
            Output(
                kind="picture",
                name=name,
                content_type="image/png",
                width=image.width,
                height=image.height,
                data=data,
                marked_data=marked_data,
                index=index,
            )
        )
    return outputs


def _sign(stamp: Stamp, data: bytes, content_type: str, name: str, marked: bool) -> bytes:
    definition = credentials.manifest(
        job_id=stamp.job_id,
        model=stamp.model,
        created_at=stamp.created_at,
        title=f"job-{stamp.job_id}-{name}",
        visible_mark=marked,
    )
    return credentials.sign(data, content_type, definition)
