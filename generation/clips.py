"""Source clips for restyles: checked with PyAV, decoded once, normalised, re-encoded.

A clip is refused, with a message a person understands, when it is too large a file, not a
video PyAV can decode (whatever its name says), bigger than 4K, or longer than 10 s (checked
from the header, then again while decoding, so a lying header changes nothing). What is kept
is the clip at the model's frame rate and generation size for the mode (scaled to cover, centre
cropped, in the shape nearest the clip's), as an H.264 MP4 with no audio and no metadata; its
frames are what screening samples and what the worker restyles.

Decoding keeps only the frames the normalised clip needs, each scaled down as it arrives: a
60 fps 4K upload is never held in memory at full size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import av
import numpy as np
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from generation import media

MAX_CLIP_BYTES = 100 * 1024 * 1024
MAX_CLIP_PIXELS = 3840 * 2160
MIN_CLIP_SECONDS, MAX_CLIP_SECONDS = 1, 10
# Containers round a clip's length: a clip this far over a limit still meets it.
TOLERANCE_S = 0.05
# Containers accepted (FFmpeg's demuxer names): a picture, which FFmpeg also opens as a
# one-frame video, is not a clip.
CONTAINERS = frozenset({"mov", "mp4", "matroska", "webm", "avi"})
# Frames of a clip screened before any point is held, spread over it (as outputs are).
SCREENED_FRAMES = 8


@dataclass
class Clip:
    file: ContentFile  # the normalised MP4
    frames: np.ndarray  # (T, H, W, 3) uint8 at `fps`
    fps: int
    aspect_ratio: str
    duration_s: float  # the source's length, as decoded

    @property
    def billed_seconds(self) -> int:
        return billed_seconds(self.duration_s)


def billed_seconds(duration_s: float) -> int:
    """Whole seconds a clip is priced at: its length rounded up, past the containers'
    rounding (the create page's script rounds the browser's figure the same way)."""
    return max(MIN_CLIP_SECONDS, math.ceil(duration_s - TOLERANCE_S))


def clean_clip(source, sizes: dict[str, tuple[int, int]], fps: int) -> Clip:
    """The clip in `source` (an upload or an open file), normalised to `fps` and to the size
    in `sizes` ({aspect ratio: (width, height)}) closest to its shape. Raises ValidationError."""
    size = getattr(source, "size", None)
    if size is not None and size > MAX_CLIP_BYTES:
        raise ValidationError(
            _("The clip is %(size)s MB; the limit is 100 MB."),
            params={"size": f"{size / 1024 / 1024:.1f}"},
            code="too_large",
        )
    source.seek(0)
    try:
        container = av.open(source, mode="r")
    except Exception:  # PyAV raises a dozen kinds of error for "not a video"
        raise _not_a_video() from None
    with container:
        if not CONTAINERS & set(container.format.name.split(",")) or not container.streams.video:
            raise _not_a_video()
        stream = container.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
        if not width or not height:
            raise _not_a_video()
        if width * height > MAX_CLIP_PIXELS:
            raise ValidationError(
                _("The clip is %(w)d×%(h)d; please upload one of 4K (3840×2160) or smaller."),
                params={"w": width, "h": height},
                code="too_many_pixels",
            )
        if container.duration and container.duration / av.time_base > MAX_CLIP_SECONDS + 0.5:
            raise _too_long(container.duration / av.time_base)
        aspect = min(sizes, key=lambda a: abs(math.log(width / height * sizes[a][1] / sizes[a][0])))
        frames, duration = _decode(container, stream, sizes[aspect], fps)
    if duration > MAX_CLIP_SECONDS + TOLERANCE_S:
        raise _too_long(duration)
    if duration < MIN_CLIP_SECONDS - TOLERANCE_S:
        raise ValidationError(
            _("The clip is %(s).1f s long; a restyle needs at least %(min)d s."),
            params={"s": duration, "min": MIN_CLIP_SECONDS},
            code="too_short",
        )
    count = max(1, round(duration * fps))
    frames = frames[:count]
    if len(frames) < count:  # a variable frame rate's last frame held longer
        frames = np.concatenate([frames, np.repeat(frames[-1:], count - len(frames), axis=0)])
    data = media.encode_mp4(frames, fps)
    return Clip(ContentFile(data, name="clip.mp4"), frames, fps, aspect, duration)


def _decode(container, stream, size: tuple[int, int], fps: int) -> tuple[np.ndarray, float]:
    """The frames at `fps` (each source frame stands for the target times from its own on),
    scaled to `size`, and the clip's length. Stops, refusing, once past the longest clip."""
    picked, start, last, step = [], None, 0.0, 0.0
    try:
        for frame in container.decode(stream):
            if frame.time is None:
                continue
            if start is None:
                start = frame.time
            at = frame.time - start
            step = at - last if at > last else step
            last = at
            if at > MAX_CLIP_SECONDS + TOLERANCE_S:
                raise _too_long(at)
            image = None
            while len(picked) / fps <= at + 1e-6:
                if image is None:
                    image = np.asarray(media.fit_image(frame.to_image(), size))
                picked.append(image)
    except ValidationError:
        raise
    except Exception:  # a corrupt stream
        raise _not_a_video() from None
    if start is None or not picked:
        raise _not_a_video()
    rate = float(stream.average_rate or 0)
    duration = last + (1 / rate if rate else step)
    return np.stack(picked), duration


def _not_a_video() -> ValidationError:
    return ValidationError(
        _("This file is not a video we can read; please upload an MP4, MOV or WebM clip."),
        code="not_a_video",
    )


def _too_long(seconds: float) -> ValidationError:
    return ValidationError(
        _("The clip is %(s).1f s long; restyles take clips of up to %(max)d s."),
        params={"s": seconds, "max": MAX_CLIP_SECONDS},
        code="too_long",
    )
