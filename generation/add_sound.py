"""Adding sound to one of the user's own videos, on the web tier: which videos may take it and
what a submission for one becomes. A video takes sound when it is the user's, finished, silent
(no job with sound made it, nor added sound to it) and at most 10 s long, and when this site's
model can add sound (LTX-2's).

The engine's side (LTX2ConditionPipeline with the clip as a strength-1 condition) is
generation/engine/sound.py; the worker copies the clip's video packets next to the new AAC
stream (generation/postprocess.render_add_sound).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from generation import clips
from generation.models import Job

LONGEST_S = clips.MAX_CLIP_SECONDS + clips.TOLERANCE_S


def offered() -> bool:
    """Whether this site's model adds sound to videos."""
    from generation.engine.specs import get_spec
    from generation.engine.types import ADD_SOUND

    return ADD_SOUND in get_spec(settings.GENERATION_MODEL).kinds


def has_sound(job: Job) -> bool:
    """Whether the job's video has a soundtrack: made with sound, or sound added to it."""
    return bool(job.params.get("sound")) or job.kind == Job.Kind.ADD_SOUND


def takes_sound(job: Job) -> bool:
    """Whether sound can be added to this (finished) job's video."""
    video = job.video
    return video is not None and not has_sound(job) and (video.duration_s or 0) <= LONGEST_S


def sound_sources(user, jobs=None) -> list[Job]:
    """The user's finished silent videos short enough to add sound to (the create page's
    picker); `jobs` is a queryset of the user's finished videos when the caller has one."""
    jobs = jobs if jobs is not None else _finished_videos(user)
    return [job for job in jobs if takes_sound(job)]


def source_for(user, source_id) -> Job | None:
    """The user's finished video `source_id`, or None (someone else's, a picture, one still
    running or failed, deleted: all look the same from here)."""
    if not source_id:
        return None
    return _finished_videos(user).filter(pk=source_id).first()


def billed_seconds(source: Job) -> int:
    return clips.billed_seconds(source.video.duration_s or 0)


def checked_source(user, source_id) -> tuple[Job | None, str | None]:
    """(the video, None) when sound can be added to the user's video `source_id`, else (None,
    why not, in the reader's language): the one answer the create form and the API's quote give."""
    source = source_for(user, source_id)
    if source is None or source.video is None:
        if source_id:
            return None, _("That video is not one of your finished videos.")
        return None, _("Choose one of your videos to add sound to.")
    if has_sound(source):
        return None, _("This video already has sound.")
    seconds = source.video.duration_s or 0
    if seconds > LONGEST_S:
        return None, _(
            "This video is %(s)d s long; sound is added to videos of up to %(max)d s."
        ) % {"s": seconds, "max": clips.MAX_CLIP_SECONDS}
    return source, None


def clean_add_sound(form, data: dict) -> None:
    """A submission adding sound: sets, in `data`, `source` (the video), `duration_s` (its
    billed seconds), `source_s` (its exact length), its aspect ratio, standard mode and no camera
    move, and `sound`; errors go on the form's `sound_source` and `prompt` fields."""
    source, refusal = checked_source(form.user, data.get("sound_source"))
    if not data.get("prompt"):
        form.add_error(
            "prompt",
            _(
                "Describe the sound you want: music, effects or speech (for example: waves on "
                'the rocks, gulls, a woman says "look!").'
            ),
        )
    if source is None:
        form.add_error("sound_source", refusal)
        return
    data.update(
        source=source,
        duration_s=billed_seconds(source),
        source_s=round(source.video.duration_s or 0, 3),
        aspect_ratio=source.params.get("aspect_ratio", "16:9"),
        mode="standard",
        camera_movement="static",
        sound=True,
    )


def _finished_videos(user):
    return (
        Job.objects.filter(user=user, status=Job.Status.SUCCEEDED, deleted_at=None)
        .exclude(kind=Job.Kind.TEXT_TO_PICTURE)
        .prefetch_related("assets")
    )
