"""Restyle on the web tier: which clip a submission restyles, checked and normalised
(generation/clips.py) before anything is screened or held.

The engine's side (windows, LTX latents with denoise_strength, WanVideoToVideoPipeline) is
generation/engine/restyle.py.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from generation import clips
from generation.models import Job


def restyle_sources(user, jobs=None) -> list[Job]:
    """The user's finished videos short enough to restyle (the create page's picker)."""
    jobs = jobs if jobs is not None else finished_videos(user)
    longest = clips.MAX_CLIP_SECONDS + clips.TOLERANCE_S
    return [job for job in jobs if job.video and (job.video.duration_s or 0) <= longest]


def finished_videos(user):
    return (
        Job.objects.filter(user=user, status=Job.Status.SUCCEEDED, deleted_at=None)
        .exclude(kind=Job.Kind.TEXT_TO_PICTURE)
        .prefetch_related("assets")
    )


def clean_restyle(form, data: dict) -> None:
    """A restyle's clip: the upload when there is one, else the picked work's video. Sets
    `form.clip` (clips.Clip) and, in `data`, the aspect ratio and length it decides, `source`
    (the picked work, or None) and `source_s`; errors go on the form's `video` field."""
    from generation.engine.specs import get_spec

    upload, picked = data.get("video"), data.get("restyle_source")
    spec = get_spec(settings.GENERATION_MODEL)
    sizes = spec.video_sizes[data.get("mode") or "standard"]
    source = None
    if upload:
        opened = upload
    elif picked:
        source = finished_videos(form.user).filter(pk=picked).first()
        if source is None or source.video is None:
            # Someone else's job, a picture, or one still running: all look the same from here.
            form.add_error("video", _("That video is not one of your finished videos."))
            return
        opened = source.video.file.open("rb")
    else:
        form.add_error("video", _("Upload a clip or pick one of your videos to restyle."))
        return
    try:
        form.clip = clips.clean_clip(opened, sizes, spec.fps)
    except ValidationError as exc:
        form.add_error("video", exc)
        return
    finally:
        if source is not None:
            opened.close()
    data.update(
        aspect_ratio=form.clip.aspect_ratio,
        duration_s=form.clip.billed_seconds,
        source_s=round(form.clip.duration_s, 3),
        source=source,
        camera_movement="static",
    )
    if data.get("strength") is None:
        data["strength"] = form.fields["strength"].initial


def screened_frames(form) -> list:
    """The frames of the submitted clip that screening looks at, as pictures."""
    from PIL import Image

    from generation.moderation.photos import sample_frames

    clip = getattr(form, "clip", None)
    if clip is None:
        return []
    return [Image.fromarray(f) for f in sample_frames(clip.frames, clips.SCREENED_FRAMES)]
