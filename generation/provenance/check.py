"""The public check: was this video or picture made here? Evidence from the file itself.

Two independent witnesses: the C2PA manifest (trusted only when signed by this site's
certificate) and the invisible mark (read with this site's key from up to CHECK_SAMPLE_FRAMES
frames: versions 3, 2 and 1 in turn, `marks.read_mark`). Either names a job; the
job's date comes from the database, or from the manifest when the job row is gone. The upload
is read where Django put it (memory, or a temporary file it deletes) and nothing is written
anywhere.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

import av
import numpy as np
from django.conf import settings
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from PIL import Image

from generation import media
from generation.models import Job
from generation.provenance import credentials, invisible
from generation.provenance.credentials import Credentials
from generation.provenance.marks import MAX_DECODED_FRAMES, read_mark
from webapp.ratelimit import count_in_window

MAX_PIXELS = 4096 * 4096  # per picture or frame
SMALL_SIDE = 360  # below this short side (previews, thumbnails) a missing mark proves little


class Unreadable(ValueError):
    """The upload is not a video or picture we can read; the message is shown to the visitor."""


@dataclass(frozen=True)
class Finding:
    media: str  # "video" or "picture"
    content_type: str
    manifest: Credentials | None
    mark: invisible.Detection | None
    job_id: int | None  # the job of this site that the evidence names
    made_at: datetime | None
    width: int = 0
    height: int = 0

    @property
    def made_here(self) -> bool:
        return self.job_id is not None

    @property
    def too_small_to_tell(self) -> bool:
        """No mark found, but the file is preview-sized: scaling and compression that hard
        often erase the mark, so "not found" says little."""
        return self.mark is None and 0 < min(self.width, self.height) < SMALL_SIDE

    @property
    def manifest_by_us(self) -> bool:
        return self.manifest is not None and self.manifest.by_this_site


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, "video" or "picture") from a file's first bytes, or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "picture"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "picture"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "picture"
    if head[4:8] == b"ftyp":
        return "video/mp4", "video"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm", "video"
    return None


def examine(upload) -> Finding:
    """Look for this site's evidence in `upload` (a Django UploadedFile). Raises Unreadable."""
    upload.seek(0)
    sniffed = sniff(upload.read(32))
    if sniffed is None:
        raise Unreadable(_("That is not a video (MP4, MOV, WebM) or picture (PNG, JPEG, WebP)."))
    content_type, media = sniffed
    manifest = None
    if content_type in credentials.SIGNABLE:
        upload.seek(0)
        manifest = credentials.read(upload.file, content_type)
    upload.seek(0)
    frames = sample_frames(upload.file) if media == "video" else picture_pixels(upload.file)
    mark = read_mark(frames, settings.PROVENANCE_KEY.encode())
    # A manifest signed by this site is the stronger witness; the mark survives re-encoding.
    job_id = manifest.job_id if manifest is not None and manifest.by_this_site else None
    if job_id is None and mark is not None:
        job_id = mark.job_id
    return Finding(
        media=media,
        content_type=content_type,
        manifest=manifest,
        mark=mark,
        job_id=job_id,
        made_at=_made_at(job_id, manifest),
        width=frames.shape[2],
        height=frames.shape[1],
    )


def _made_at(job_id: int | None, manifest: Credentials | None) -> datetime | None:
    if job_id is None:
        return None
    job = Job.objects.filter(pk=job_id).only("created_at").first()
    if job is not None:
        return job.created_at
    if manifest is not None and manifest.by_this_site and manifest.job_id == job_id:
        return parse_datetime(manifest.created or "")  # the job row is gone; its manifest says
    return None


def sample_frames(stream, count: int | None = None) -> np.ndarray:
    """Up to `count` frames spread over the video (its first MAX_DECODED_FRAMES), RGB."""
    count = count or settings.CHECK_SAMPLE_FRAMES
    try:
        with av.open(stream) as container:
            if not container.streams.video:
                raise Unreadable(_("That file has no video in it."))
            video = container.streams.video[0]
            video.thread_type = "AUTO"
            if video.width * video.height > MAX_PIXELS:
                raise Unreadable(_("That video is too large to check (4096×4096 at most)."))
            seconds = (
                float(video.duration * video.time_base)
                if video.duration
                else (container.duration or 0) / av.time_base
            )
            known = video.frames or int(seconds * float(video.average_rate or 0))
            frames = media.spread_frames(container, video, known, count, MAX_DECODED_FRAMES)
    except av.FFmpegError:
        raise Unreadable(_("That video could not be decoded.")) from None
    if not frames:
        raise Unreadable(_("That video has no frames."))
    return np.stack(frames)


def picture_pixels(stream, count: int | None = None) -> np.ndarray:
    """The picture as (1, H, W, 3) RGB; an animated one as up to `count` of its frames."""
    count = count or settings.CHECK_SAMPLE_FRAMES
    try:
        with Image.open(stream) as image:
            if image.width * image.height > MAX_PIXELS:
                raise Unreadable(_("That picture is too large to check (4096×4096 at most)."))
            total = getattr(image, "n_frames", 1)
            frames = []
            for index in np.linspace(0, total - 1, min(total, count)).round().astype(int):
                image.seek(int(index))
                frame = np.asarray(image.convert("RGB"))
                if not frames or frame.shape == frames[0].shape:  # an MPO's extra views differ
                    frames.append(frame)
            return np.stack(frames)
    except (OSError, EOFError, ValueError, Image.DecompressionBombError):
        raise Unreadable(_("That picture could not be decoded.")) from None


def allow_check(ip: str) -> bool:
    """Count one check for `ip`; False once it has used this hour's CHECK_RATE_PER_HOUR."""
    used, _window = count_in_window(f"provenance-check:{ip}", 3600, time.time())
    return used <= settings.CHECK_RATE_PER_HOUR
