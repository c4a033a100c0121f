"""Frames in, files out: H.264 MP4 (PyAV), JPEG poster, animated WebP preview, PNG/JPEG pictures.

Frames are numpy uint8 arrays shaped (T, H, W, 3), RGB. No torch here: the web tier may import
this (e.g. to decode a source video) without loading the model stack.
"""

from __future__ import annotations

import functools
import io
import os
import tempfile
from collections import deque
from collections.abc import Iterable, Iterator
from fractions import Fraction

import av
import numpy as np
from PIL import Image, ImageOps

from generation import soundtrack as soundtracks
from generation import threads
from generation.soundtrack import Soundtrack

PREVIEW_WIDTH = 320
PREVIEW_SECONDS = 3.0
PREVIEW_FPS = 8


def encode_mp4(
    frames: np.ndarray,
    fps: float,
    *,
    crf: int = 23,
    preset: str = "veryfast",
    hardware: bool = False,
    soundtrack: Soundtrack | None = None,
) -> bytes:
    """H.264 (yuv420p) MP4 with the index up front (faststart), so playback starts at once;
    with a `soundtrack`, an AAC audio stream too (generation/soundtrack.py).

    Odd widths or heights are padded by one edge pixel (4:2:0 needs even sizes). With
    `hardware=True` and a usable NVIDIA encoder, h264_nvenc is used (constant quality `crf`);
    otherwise libx264 with `crf` and `preset`.
    """
    # The mp4 muxer rewrites the file to move the index first: it needs a real file.
    with tempfile.TemporaryDirectory(prefix="encode-") as folder:
        path = os.path.join(folder, "video.mp4")
        write_mp4(
            frames, fps, path, crf=crf, preset=preset, hardware=hardware, soundtrack=soundtrack
        )
        with open(path, "rb") as f:
            return f.read()


def write_mp4(
    frames: Iterable[np.ndarray],
    fps: float | Fraction,
    path: str | os.PathLike,
    *,
    crf: int = 23,
    preset: str = "veryfast",
    hardware: bool = False,
    soundtrack: Soundtrack | None = None,
) -> int:
    """`encode_mp4` into the file at `path`, one (H, W, 3) frame at a time (any iterable, so
    a long clip never has to be in memory at once); returns the number of frames.

    libx264 writes "stitchable" headers (independent of the content): two clips encoded here
    at the same size, rate and settings share their parameter sets, so one can be appended to
    the other by stream copy (`generation.mp4_join`).
    """
    codec = "h264_nvenc" if hardware and nvenc_available() else "libx264"
    options = (
        {"rc": "vbr", "cq": str(crf), "preset": "p4"}
        if codec == "h264_nvenc"
        else {"crf": str(crf), "preset": preset, "x264-params": "stitchable=1"}
    )
    rate = fps if isinstance(fps, Fraction) else Fraction(fps).limit_denominator(1001)
    count = 0
    with av.open(str(path), mode="w", options={"movflags": "+faststart"}) as container:
        stream = None
        for frame in frames:
            frame = _even(np.asarray(frame, dtype=np.uint8)[None])[0]
            if stream is None:
                stream = container.add_stream(codec, rate=rate)
                stream.height, stream.width = frame.shape[:2]
                stream.pix_fmt = "yuv420p"
                stream.options = options
                # The process's thread budget (generation/threads.py), not one per core.
                stream.codec_context.thread_count = threads.current()
                if soundtrack is not None:  # every stream exists before the first packet
                    audio = soundtracks.add_stream(container, soundtrack)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
            count += 1
        if stream is None:
            raise ValueError("no frames to encode")
        container.mux(stream.encode())
        if soundtrack is not None:
            soundtracks.encode(container, audio, soundtrack)
    return count


@functools.cache
def nvenc_available() -> bool:
    """Whether h264_nvenc opens here (needs an NVIDIA GPU and driver, not just the codec)."""
    try:
        context = av.CodecContext.create("h264_nvenc", "w")
        context.width, context.height, context.pix_fmt = 256, 256, "yuv420p"
        context.time_base = Fraction(1, 25)
        context.open()
    except Exception:  # any failure means "not here"
        return False
    return True


def decode_video(
    data_or_path: bytes | str | os.PathLike,
    *,
    limit: int | None = None,
    fit: tuple[int, int] | None = None,
) -> tuple[np.ndarray, float]:
    """All frames of a video (its first `limit` with one) as (T, H, W, 3) uint8 RGB, and its
    frame rate; with `fit` (width, height), each frame scaled to cover it and centre-cropped as
    it is decoded (a 1080p clip is never whole in memory)."""
    source = (
        io.BytesIO(data_or_path) if isinstance(data_or_path, bytes | bytearray) else data_or_path
    )
    with av.open(source) as container:
        stream = container.streams.video[0]
        frames = []
        for frame in container.decode(stream):
            pixels = frame.to_ndarray(format="rgb24")
            if fit is not None:
                pixels = np.asarray(fit_image(Image.fromarray(pixels), fit))
            frames.append(pixels)
            if limit is not None and len(frames) >= limit:
                break
        rate = stream.average_rate or stream.guessed_rate or 0
    if not frames:
        raise ValueError("the video has no frames")
    return np.stack(frames), float(rate)


def spread_frames(container, stream, known: int, count: int, limit: int) -> list[np.ndarray]:
    """Up to `count` RGB frames of `stream` (in the open `container`) spread over its first
    `limit` frames, `known` being how many it has (0 when unknown: then the first frames).
    What the check page reads, and what post-processing reads back from an output's file."""
    step = max(1, min(known, limit) // count)
    frames = []
    for index, frame in enumerate(container.decode(stream)):
        if index % step == 0:
            frames.append(frame.to_ndarray(format="rgb24"))
        if len(frames) >= count or index + 1 >= limit:
            break
    return frames


def decode_tail(path: str | os.PathLike, seconds: float) -> tuple[np.ndarray, float]:
    """The frames of the video's last `seconds` (at least one frame), and its frame rate.

    Seeks to the keyframe before them and decodes from there, keeping only the tail: memory
    and time grow with `seconds` and the keyframe interval, not with the video's length.
    """
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        rate = float(stream.average_rate or stream.guessed_rate or 0)
        count = max(1, int(np.ceil(seconds * rate)) + 1) if rate else 1
        end = stream.duration or int((container.duration or 0) / av.time_base / stream.time_base)
        target = end - int((count + 1) / rate / stream.time_base) if rate else 0
        if target > 0:
            container.seek(target, stream=stream, backward=True, any_frame=False)
        tail = deque(_rgb_frames(container, stream), maxlen=count)
    if not tail:
        raise ValueError("the video has no frames")
    return np.stack(tail), rate


def _rgb_frames(container, stream) -> Iterator[np.ndarray]:
    for frame in container.decode(stream):
        yield frame.to_ndarray(format="rgb24")


def make_poster(frame: np.ndarray, *, quality: int = 85) -> bytes:
    """The frame as a JPEG (the player's poster and the gallery thumbnail)."""
    return image_to_jpeg(Image.fromarray(np.asarray(frame, dtype=np.uint8)), quality=quality)


def preview_frames(
    frames: np.ndarray,
    fps: float,
    *,
    width: int = PREVIEW_WIDTH,
    seconds: float = PREVIEW_SECONDS,
    preview_fps: int = PREVIEW_FPS,
) -> tuple[np.ndarray, int]:
    """The frames of a preview: the first `seconds`, at most `preview_fps`, `width` wide, as
    (T, h, w, 3) uint8, and how long each shows in ms."""
    step = max(1, round(fps / preview_fps))
    picked = frames[: max(1, int(seconds * fps))][::step]
    _count, height, full_width, _ = picked.shape
    size = (min(width, full_width), max(2, round(height * min(width, full_width) / full_width)))
    small = np.stack(
        [
            np.asarray(Image.fromarray(frame).resize(size, Image.Resampling.BILINEAR))
            for frame in picked
        ]
    )
    return small, round(1000 * step / fps)


def encode_webp(frames: np.ndarray, duration_ms: int) -> bytes:
    """A looping animated WebP of (T, h, w, 3) uint8 `frames`."""
    images = [Image.fromarray(frame) for frame in frames]
    buffer = io.BytesIO()
    images[0].save(
        buffer,
        format="WEBP",
        save_all=True,
        append_images=images[1:],
        duration=duration_ms,
        loop=0,
        quality=60,
        method=2,
    )
    return buffer.getvalue()


def make_preview(frames: np.ndarray, fps: float, **options) -> bytes:
    """A short looping animated WebP of the clip (see preview_frames for the options)."""
    return encode_webp(*preview_frames(frames, fps, **options))


def image_to_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def image_to_jpeg(image: Image.Image, *, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def fit_image(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """The image scaled to cover `size` (width, height) and centre-cropped to it, in RGB."""
    image = ImageOps.exif_transpose(image).convert("RGB")
    return ImageOps.fit(image, size, Image.Resampling.LANCZOS)


def resize_frames(frames: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Each frame scaled to cover `size` (width, height) and centre-cropped to it."""
    _count, height, width, _ = frames.shape
    if (width, height) == tuple(size):
        return frames
    return np.stack([np.asarray(fit_image(Image.fromarray(f), size)) for f in frames])


def resample_frames(frames: np.ndarray, fps: float, target_fps: float) -> np.ndarray:
    """The clip at another frame rate, same duration, by picking the nearest earlier frame."""
    if abs(fps - target_fps) < 1e-6:
        return frames
    count = max(1, round(len(frames) * target_fps / fps))
    index = np.minimum((np.arange(count) * fps / target_fps).astype(int), len(frames) - 1)
    return frames[index]


def add_logo(
    frames: np.ndarray,
    logo: Image.Image,
    *,
    margin: int = 16,
    opacity: float = 0.6,
    top: bool = False,
):
    """A visible watermark: `logo` (RGBA) blended into the bottom-right corner of every frame
    (the top-right one with `top`).

    Draws into `frames` in place and returns it: only the corner is touched, so it costs a few
    milliseconds even for a 1080p clip (a copy of the clip would cost seconds).
    """
    _count, height, width, _ = frames.shape
    rgba = np.asarray(logo.convert("RGBA"), dtype=np.float32)
    h, w = min(rgba.shape[0], height - margin), min(rgba.shape[1], width - margin)
    if h <= 0 or w <= 0:
        return frames
    rgba = rgba[:h, :w]
    alpha = rgba[..., 3:] / 255.0 * opacity
    y, x = (margin if top else height - margin - h), width - margin - w
    corner = frames[:, y : y + h, x : x + w].astype(np.float32)
    frames[:, y : y + h, x : x + w] = (corner * (1 - alpha) + rgba[..., :3] * alpha).round()
    return frames


def _even(frames: np.ndarray) -> np.ndarray:
    """Pad odd heights/widths by repeating the last row/column."""
    _count, height, width, _ = frames.shape
    pad_h, pad_w = height % 2, width % 2
    if pad_h or pad_w:
        frames = np.pad(frames, ((0, 0), (0, pad_h), (0, pad_w), (0, 0)), mode="edge")
    return frames
