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

import io
import logging
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import av
import numpy as np
from django.conf import settings
from PIL import Image

from generation import media, mp4_join
from generation.provenance import credentials, invisible_v2, invisible_v3, marks, visible
from generation.soundtrack import Soundtrack


@dataclass(frozen=True)
class Stamp:
    """What a job's outputs say about themselves."""

    job_id: int
    model: str
    created_at: datetime
    watermarked: bool  # make the visibly marked variant too
    # The job the invisible mark names, when not this one: an extension marks its new frames
    # with its chain's first job, as the earlier footage is, so the joined file carries one mark.
    mark_id: int | None = None

    @property
    def mark_job(self) -> int:
        return self.mark_id or self.job_id


@dataclass
class Output:
    """One file of a job: its clean master and, for watermarked jobs, the marked variant.

    `data` and `marked_data` are the file's bytes, or the path of a file on disk (an
    extension's video: a 3-minute chain is not read into memory)."""

    kind: str  # an Asset.Kind value
    name: str
    content_type: str
    width: int
    height: int
    data: bytes | str
    marked_data: bytes | str | None = None
    frames: int | None = None
    fps: int | None = None
    index: int = 0


log = logging.getLogger(__name__)
# The invisible mark's versions an output may get, preferred first: the next one when the
# output's own file does not read back with the one before (render_video, render_pictures).
MARK_VERSIONS = (invisible_v3, invisible_v2)
MARK_CONTEXT_FRAMES = 16  # of the source's end, read to continue its invisible mark


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
    soundtrack: Soundtrack | None = None,
) -> list[Output]:
    """video.mp4, poster.jpg and preview.webp for (T, H, W, 3) uint8 `frames`. A `soundtrack`
    goes into both MP4s (the marks are on the frames; the credentials are signed over the file
    with its audio); the preview stays silent.

    The invisible mark is version 3, read back from each MP4 as the check page reads it; where
    the encode lost it (content whose colour the codec flattens, more so under the visible mark:
    docs/BENCHMARKS.md, "Sizes under 480p, and the clip that failed CI"), the files are made
    again with version 2, which such content carries in its luminance."""
    timer = timer or Timer()
    count, height, width, _ = frames.shape
    for version, last in _versions(height, width):
        with timer.stage("invisible mark"):
            marked_frames = version.embed_frames(frames, stamp.mark_job, provenance_key())
        clean, marked, small = _video_files(stamp, marked_frames, fps, hardware, timer, soundtrack)
        if last:
            break
        with timer.stage("invisible mark (read back)"):
            # Every MP4 made: the visibly marked one is what a free user downloads and shares
            # (the corner hides part of the mark), the clean one what a member gets; x264 may
            # keep the mark in one and lose it in the other (a CI run did, on a noisy 360p clip).
            videos = [files["video"] for files in (marked, clean) if files is not None]
            if all(_names_job(_read_back(data, count), stamp.mark_job) for data in videos):
                break
        log.warning("job %s: an MP4 lost the mark of %s", stamp.job_id, version.__name__)
    return _video_outputs(clean, marked, (width, height), count, fps, small)


def _video_files(stamp, frames, fps, hardware, timer, soundtrack) -> tuple:
    """The clean files of invisibly marked `frames`, the visibly marked ones when the job has
    them (else None), and the preview's frames."""
    clean = _encode(stamp, frames, fps, hardware, timer, marked=False, soundtrack=soundtrack)
    small, duration_ms, clean["preview"] = _preview(stamp, frames, fps, timer)
    marked = None
    if stamp.watermarked:
        with timer.stage("preview (marked)"):
            # Drawn at the preview's own size, so it stays legible there; in place, as the
            # clean preview is encoded.
            preview = media.encode_webp(visible.mark_frames(small), duration_ms)
        with timer.stage("visible mark"):
            visible.mark_frames(frames)  # in place: the clean files are done with them
        marked = _encode(stamp, frames, fps, hardware, timer, marked=True, soundtrack=soundtrack)
        marked["preview"] = preview
    return clean, marked, small


def _versions(height: int, width: int) -> list[tuple]:
    """(version, whether it is the last to try) for each version an output of this size may
    get, preferred first. The last is kept whatever it reads, so it is not read back: under
    invisible_v2.SMALL_SIDE every version embeds version 1, which is then the only one (and the
    tiny demo model's outputs cost no read back)."""
    versions = MARK_VERSIONS if min(height, width) >= invisible_v2.SMALL_SIDE else MARK_VERSIONS[:1]
    return [(version, index == len(versions) - 1) for index, version in enumerate(versions)]


def _chain_version(tail: np.ndarray, job_id: int):
    """The version an extension continues: the one its source's last frames carry (version 2
    where the source's files were made again with it, or were made before version 3), so the
    joined video holds one pattern; version 3 when they carry none that names the chain."""
    if min(tail.shape[1:3]) < invisible_v2.SMALL_SIDE:
        return invisible_v3  # version 1 at this size, whichever is asked for
    found = marks.read_mark(tail, provenance_key())
    if found is not None and found.job_id == job_id and found.version == 2:
        return invisible_v2
    return invisible_v3


def _read_back(video: bytes, count: int) -> np.ndarray:
    """The frames of an encoded video (of `count` frames) that the check page would read."""
    with av.open(io.BytesIO(video)) as container:
        stream = container.streams.video[0]
        frames = media.spread_frames(
            container, stream, count, settings.CHECK_SAMPLE_FRAMES, marks.MAX_DECODED_FRAMES
        )
    return np.stack(frames)


def _names_job(frames: np.ndarray, job_id: int) -> bool:
    found = marks.read_mark(frames, provenance_key())
    return found is not None and found.job_id == job_id


def _preview(stamp, frames, fps, timer) -> tuple[np.ndarray, int, bytes]:
    """The preview's frames (marked at their own size), their duration and the clean WebP."""
    with timer.stage("preview"):
        small, duration_ms = media.preview_frames(frames, fps)
        # Marked again at its own size, stronger: downscaling and WebP erase most of the mark.
        # Version 2: at 180 px its cells are larger than version 3's, and WebP has no
        # macroblock grid for version 3's colour cells to keep to.
        small = invisible_v2.embed_frames(
            small,
            stamp.mark_job,
            provenance_key(),
            strength=invisible_v2.PREVIEW_STRENGTH,
            small_side=invisible_v2.MIN_SIZE,
        )
        return small, duration_ms, media.encode_webp(small, duration_ms)


@dataclass(frozen=True)
class Source:
    """The video an extension continues, as local files: its clean master and, when the job
    is watermarked and the source has one, its visibly marked variant."""

    clean: str
    marked: str | None = None


def render_extension(
    stamp: Stamp,
    frames: np.ndarray,
    source: Source,
    folder: str,
    *,
    hardware: bool = False,
    timer: Timer | None = None,
) -> list[Output]:
    """video.mp4, poster.jpg and preview.webp of `source` followed by the new `frames` (at the
    source's size and frame rate).

    Only the new frames are marked and encoded; they are appended to the source's file by
    stream copy (generation/mp4_join.py), so every packet of the earlier footage, and the
    marks it carries, stays as it was. Poster and preview show the start, which is the
    source's. The files are written into `folder`; the video's data are paths. Memory grows
    with the new frames, not with the chain."""
    timer = timer or Timer()
    rate = mp4_join.frame_rate(source.clean)
    with timer.stage("invisible mark"):
        # The source's last frames carry the chain's mark: it goes on from where it is there.
        tail, _fps = media.decode_tail(source.clean, MARK_CONTEXT_FRAMES / rate)
        version = _chain_version(tail, stamp.mark_job)
        frames = version.embed_frames(frames, stamp.mark_job, provenance_key(), after=tail)
        del tail

    def video(path, marked, reencode):
        if marked:
            with timer.stage("visible mark"):
                visible.mark_frames(frames)  # in place: the clean files are done with them
        return _append(
            stamp, path, frames, rate, folder, hardware, timer, marked=marked, reencode=reencode
        )

    return _from_source(stamp, source, rate, timer, video)


def render_add_sound(
    stamp: Stamp,
    soundtrack: Soundtrack,
    source: Source,
    folder: str,
    *,
    hardware: bool = False,
    timer: Timer | None = None,
) -> list[Output]:
    """video.mp4, poster.jpg and preview.webp of `source` with `soundtrack` added.

    The source's video packets are copied as they are (generation/mp4_join.add_soundtrack):
    every frame, and the invisible mark it already carries, stays the user's; only the AAC
    stream is new, and the content credentials are signed over the new file. A watermarked job
    uses the source's visibly marked variant the same way; where the source has none (a
    member's, before the plan ended), its frames are re-encoded with the visible mark, as an
    extension's are. Poster and preview are made from the start, as for an extension. The
    video's data are paths in `folder`."""
    timer = timer or Timer()

    def video(path, marked, reencode):
        return _with_sound(
            stamp,
            path,
            soundtrack,
            folder,
            timer,
            marked=marked,
            reencode=reencode,
            hardware=hardware,
        )

    return _from_source(stamp, source, mp4_join.frame_rate(source.clean), timer, video)


def _from_source(stamp: Stamp, source: Source, rate, timer: Timer, video) -> list[Output]:
    """The outputs of a video made from the `source` file (extended, or given sound): the
    clean variant and, for a watermarked job, the visibly marked one. `video(path, marked,
    reencode)` makes the signed MP4 from the source file at `path` and returns it with its
    frame count; `reencode` when the job needs a visible mark its source's file lacks. Poster
    and preview show the start, which is the source's."""
    with timer.stage("decode start"):
        head, _fps = media.decode_video(
            source.clean, limit=max(1, int(media.PREVIEW_SECONDS * rate))
        )
    _count, height, width, _ = head.shape
    clean = {}
    clean["video"], count = video(source.clean, False, False)
    with timer.stage("poster"):
        poster = media.make_poster(head[0])
        clean["poster"] = _sign(stamp, poster, "image/jpeg", "poster.jpg", False)
    small, duration_ms, clean["preview"] = _preview(stamp, head, float(rate), timer)
    marked = None
    if stamp.watermarked:
        with timer.stage("visible mark"):
            visible.mark_frames(head[:1])
            preview = media.encode_webp(visible.mark_frames(small), duration_ms)
        marked = {}
        marked["video"], _count = video(source.marked or source.clean, True, source.marked is None)
        with timer.stage("poster (marked)"):
            poster = media.make_poster(head[0])
            marked["poster"] = _sign(stamp, poster, "image/jpeg", "poster.jpg", True)
        marked["preview"] = preview
    return _video_outputs(clean, marked, (width, height), count, rate, small)


def _with_sound(
    stamp, source, soundtrack, folder, timer, *, marked=False, reencode=False, hardware=False
) -> tuple[str, int]:
    """The path of the signed MP4 of `source`'s video with `soundtrack`, and its frame count."""
    suffix = "-marked" if marked else ""
    muxed = os.path.join(folder, f"with-sound{suffix}.mp4")
    with timer.stage("mux" + (" (marked)" if marked else "")):
        if reencode:
            mark = lambda frame: visible.mark_frames(frame[None])[0]  # noqa: E731
            count = mp4_join.reencode_with_soundtrack(
                source, soundtrack, muxed, mark=mark, hardware=hardware
            )
        else:
            count = mp4_join.add_soundtrack(source, soundtrack, muxed)
    with timer.stage("C2PA sign" + (" (marked)" if marked else "")):
        signed = os.path.join(folder, f"video{suffix}.mp4")
        credentials.sign_file(muxed, signed, "video/mp4", _definition(stamp, "video.mp4", marked))
    return signed, count


def _append(
    stamp, source, frames, rate, folder, hardware, timer, *, marked=False, reencode=False
) -> tuple[str, int]:
    """The path of the signed MP4 of `source` followed by `frames`, and its frame count.

    By stream copy; re-encoding the source (one frame at a time) only when it was encoded
    unlike this worker's encoder would, or when a watermarked job continues a video that has
    no visibly marked variant (a member's, before the plan ended): then its frames get the
    visible mark on the way."""
    suffix = "-marked" if marked else ""
    segment = os.path.join(folder, f"segment{suffix}.mp4")
    joined = os.path.join(folder, f"joined{suffix}.mp4")
    with timer.stage("encode" + (" (marked)" if marked else "")):
        count = None
        if not reencode:
            media.write_mp4(frames, rate, segment, hardware=hardware)
            try:
                count = mp4_join.join([source, segment], joined)
            except mp4_join.Mismatch as mismatch:
                log.warning("job %s: re-encoding its source: %s", stamp.job_id, mismatch)
        if count is None:
            mark = (lambda frame: visible.mark_frames(frame[None])[0]) if reencode else None
            count = mp4_join.append_reencoded(
                source, frames, rate, joined, mark=mark, hardware=hardware
            )
    with timer.stage("C2PA sign" + (" (marked)" if marked else "")):
        signed = os.path.join(folder, f"video{suffix}.mp4")
        credentials.sign_file(joined, signed, "video/mp4", _definition(stamp, "video.mp4", marked))
    return signed, count


def _encode(stamp, frames, fps, hardware, timer, *, marked: bool, soundtrack=None) -> dict:
    """The signed MP4 (with the soundtrack, if any) and JPEG poster of `frames`."""
    suffix = " (marked)" if marked else ""
    with timer.stage("encode" + suffix):
        video = media.encode_mp4(frames, fps, hardware=hardware, soundtrack=soundtrack)
    with timer.stage("poster" + suffix):
        poster = media.make_poster(frames[0])
    with timer.stage("C2PA sign" + suffix):
        return {
            "video": _sign(stamp, video, "video/mp4", "video.mp4", marked),
            "poster": _sign(stamp, poster, "image/jpeg", "poster.jpg", marked),
        }


def _video_outputs(clean: dict, marked: dict | None, size, frames: int, fps, small) -> list:
    """The video, poster and preview Outputs of a clip: clean files, and the visibly marked
    ones where the job has them; `small` is the preview's frames (its size)."""
    width, height = size
    return [
        Output(
            kind="video",
            name="video.mp4",
            content_type="video/mp4",
            width=width,
            height=height,
            data=clean["video"],
            marked_data=marked and marked["video"],
            frames=frames,
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


def render_pictures(
    stamp: Stamp, images: list[Image.Image], *, timer: Timer | None = None
) -> list[Output]:
    """picture-N.png for each image."""
    timer = timer or Timer()
    outputs = []
    for index, image in enumerate(images):
        name = f"picture-{index + 1}.png"
        original = image
        for version, last in _versions(image.height, image.width):
            with timer.stage("invisible mark"):
                image = version.embed_image(original, stamp.job_id, provenance_key())
            if last:
                break
            with timer.stage("invisible mark (read back)"):
                # As a video's: the visibly marked picture where there is one (PNG keeps
                # every value, so no encode to undo).
                shared = visible.mark_image(image) if stamp.watermarked else image
                if _names_job(np.asarray(shared)[None], stamp.job_id):
                    break
            log.warning("job %s: its picture lost the mark of %s", stamp.job_id, version.__name__)
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
    return credentials.sign(data, content_type, _definition(stamp, name, marked))


def _definition(stamp: Stamp, name: str, marked: bool) -> dict:
    return credentials.manifest(
        job_id=stamp.job_id,
        model=stamp.model,
        created_at=stamp.created_at,
        title=f"job-{stamp.job_id}-{name}",
        visible_mark=marked,
    )
