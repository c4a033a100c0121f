"""The rules of a job's life: submit, claim, progress, finish, cancel, and moderation's holds.

Every status change is a conditional UPDATE (`filter(status=...).update(...)`): if it changed no
row, another process got there first and this call is a no-op. Points move only through
billing.ledger, keyed by the job (`job:<id>`): held on submit, captured on success, released on
every other ending. A job held by moderation (`review`) keeps its points held until a staff
decision (generation/moderation/review.py) captures or releases them.
"""

import logging
from contextlib import contextmanager
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from billing import ledger
from billing.entitlements import (
    allows_output,
    entitlements,
    lowest_tier_with,
    lowest_tier_with_output,
)
from billing.pricing import price_of
from billing.units import format_points
from generation import dispatch, effects, eta
from generation.models import Asset, Job, ReferencePhoto
from generation.moderation import ratelimit, screening
from generation.moderation.models import Flag
from generation.moderation.verdict import REFUSE, Hit, strongest
from generation.restyle import screened_frames

log = logging.getLogger(__name__)
RUN_JOB = "generation.tasks.run_job"  # queued by name: that module imports this one
Status = Job.Status
ACTIVE = Q(status__in=Job.ACTIVE)
# Moderation holds a job either before it ran (prompt or photo) or after (its outputs).
HELD_BEFORE_RUN = Q(status=Status.REVIEW, started_at=None)
HELD_OUTPUTS = Q(status=Status.REVIEW, started_at__isnull=False)
# Works looked through for an upload behind an extension: a 180-s chain of 5-s links has 36.
MAX_CHAIN_LINKS = 100

# Which plan unlocks what, for the messages on locked options (lazy: translated when shown, in
# the reader's language, not once at import). The tier is read from the tiers: the cheapest that
# grants it, as the pricing table shows.
LOCKED_MESSAGES = {
    "professional_mode": gettext_lazy("Professional mode comes with %(tier)s and higher plans."),
    "video_extension": gettext_lazy("Extending videos comes with %(tier)s and higher plans."),
    "camera_movement": gettext_lazy("Camera movement comes with %(tier)s and higher plans."),
    "storyboard": gettext_lazy("Storyboards come with %(tier)s and higher plans."),
    "references": gettext_lazy("Videos from reference photos come with %(tier)s and higher plans."),
}
# A storyboard is made by extension calls, so the plans that extend videos tell storyboards
# (members only, as Kling's multi-shot is): no entitlement of its own to keep in step.
STORYBOARD_ENTITLEMENT = "video_extension"
# Reference videos run on Wan's VACE, the model that extends Wan videos: the same plans tell
# them (members only, as Kling's Elements are).
REFERENCES_ENTITLEMENT = "video_extension"
NO_PLAN_UNLOCKS = gettext_lazy("No plan on this site includes this option.")
# A mode whose video size or frame rate the plan does not include ("1080p at 30 fps").
OUTPUT_LOCKED = {
    "standard": gettext_lazy(
        "Standard mode (%(size)s at %(fps)d fps) comes with %(tier)s and higher plans."
    ),
    "professional": gettext_lazy(
        "Professional mode (%(size)s at %(fps)d fps) comes with %(tier)s and higher plans."
    ),
}


def locked_message(entitlement: str, option: str | None = None) -> str:
    """Why an option (by default the entitlement's own) is locked and which plan unlocks it,
    in the reader's language."""
    tier = lowest_tier_with(entitlement)
    if tier is None:
        return str(NO_PLAN_UNLOCKS)
    return LOCKED_MESSAGES[option or entitlement] % {"tier": tier.display_name}


def storyboard_locked_message() -> str:
    return locked_message(STORYBOARD_ENTITLEMENT, "storyboard")


def references_locked_message() -> str:
    return locked_message(REFERENCES_ENTITLEMENT, "references")


def video_output(spec, mode: str, aspect_ratio: str = "16:9") -> tuple[int, int, int]:
    """(width, height, fps) of the video a text or image to video job gets in `mode`: the
    spec's output after its finishing stage (upscaled, re-timed), not its generation size."""
    width, height = spec.output_size(aspect_ratio, mode)
    return width, height, spec.output_frame_rate(mode)


def plan_has_mode(plan, spec, mode: str, aspect_ratio: str = "16:9") -> bool:
    """Whether `plan` may order `mode`'s videos: professional mode where the mode is that, and
    the mode's output size and frame rate (what submit enforces; the pages and the API show it)."""
    width, height, fps = video_output(spec, mode, aspect_ratio)
    has_mode = mode != "professional" or plan.professional_mode
    return has_mode and allows_output(plan, min(width, height), fps)


def output_locked_message(plan, spec, mode: str, aspect_ratio: str = "16:9") -> str | None:
    """Why `plan` may not have `mode`'s video size or frame rate, naming the plan that unlocks
    it; None when it may (`Entitlements.max_resolution`, `max_frame_rate`)."""
    width, height, fps = video_output(spec, mode, aspect_ratio)
    short = min(width, height)
    if allows_output(plan, short, fps):
        return None
    tier = lowest_tier_with_output(short, fps, professional_mode=mode == "professional")
    if tier is None:
        return str(NO_PLAN_UNLOCKS)
    return OUTPUT_LOCKED[mode] % {"size": f"{short}p", "fps": fps, "tier": tier.display_name}


def short_of_points(exc: ledger.NotEnoughPoints) -> str:
    """What a user is told when a job costs more than they have (pages add a way to buy)."""
    return _("Not enough points: this job costs %(need)s points and you have %(have)s.") % {
        "need": format_points(exc.need),
        "have": format_points(exc.have),
    }


def price_for(kind: str, params: dict) -> int:
    """The price of a request in tenths of a point, from the one price table (an effect's is
    its own, set in the catalogue)."""
    if kind == Job.Kind.EFFECT:
        return effects.price_of(params)
    return price_of(
        {
            "kind": kind,
            "duration": params.get("duration_s") or 5,
            "mode": params.get("mode", "standard"),
            "num_images": params.get("num_images") or 1,
            "sound": bool(params.get("sound")),
        }
    )


def steps_override(kind: str) -> int | None:
    """GENERATION_STEPS for this kind; a storyboard's calls are text to video and extension
    calls, and a restyle and added sound run text to video's weights, so they take text to
    video's."""
    return settings.GENERATION_STEPS.get(engine_kind(kind, steps=True))


def engine_kind(kind: str, steps: bool = False) -> str:
    """The engine's kind for a job's kind: an effect is image to video (with its adapter); a
    storyboard and a restyle are their own, but their steps are text to video's (`steps`)."""
    if kind == Job.Kind.EFFECT:
        return Job.Kind.IMAGE_TO_VIDEO
    if steps and kind in (Job.Kind.STORYBOARD, Job.Kind.RESTYLE, Job.Kind.ADD_SOUND):
        return Job.Kind.TEXT_TO_VIDEO
    return kind


def locked_option_errors(user, kind: str, params: dict) -> dict[str, str]:
    """Options the user's plan does not allow, as {field: message}."""
    allowed = entitlements(user)
    errors = {}
    if params.get("mode") == "professional" and not allowed.professional_mode:
        errors["mode"] = locked_message("professional_mode")
    if kind == Job.Kind.EFFECT:
        effect = effects.get_effect(params.get("effect"))
        if effect is not None and not effects.allowed(effect, allowed):
            errors["effect"] = effects.locked_message(effect)
    if kind in (
        Job.Kind.TEXT_TO_VIDEO,
        Job.Kind.IMAGE_TO_VIDEO,
        Job.Kind.STORYBOARD,
        Job.Kind.REFERENCES,
        Job.Kind.RESTYLE,
    ):
        # An extension keeps its source's size and frame rate; pictures have their own sizes.
        from generation.engine.specs import get_spec

        spec = get_spec(settings.GENERATION_MODEL)
        mode, aspect = params.get("mode", "standard"), params.get("aspect_ratio", "16:9")
        if message := output_locked_message(allowed, spec, mode, aspect):
            errors["mode"] = message  # names a plan with professional mode too, if it needs it
    # Every plan may have sound, with a new video or added to one of theirs; it has its price.
    if params.get("sound"):
        from generation.engine.specs import get_spec

        if not get_spec(settings.GENERATION_MODEL).supports_sound:
            errors["sound"] = _("This site's model cannot make sound.")
    if kind == Job.Kind.EXTEND and not allowed.video_extension:
        errors["source_job"] = locked_message("video_extension")
    if params.get("camera_movement", "static") != "static" and not allowed.camera_movement:
        errors["camera_movement"] = locked_message("camera_movement")
    if kind == Job.Kind.REFERENCES and not getattr(allowed, REFERENCES_ENTITLEMENT):
        errors["references"] = references_locked_message()
    if kind == Job.Kind.STORYBOARD:
        # Not a form field: shown above the form, as the other locked tools' messages are.
        if not getattr(allowed, STORYBOARD_ENTITLEMENT):
            errors["storyboard"] = storyboard_locked_message()
        elif not allowed.camera_movement and any(
            shot.get("camera_movement", "static") != "static" for shot in params.get("shots", [])
        ):
            errors["storyboard"] = locked_message("camera_movement")
    return errors


def submit(user, form) -> Job:
    """Create a job from a valid JobForm: check the plan, screen it, hold the points, enqueue on
    commit.

    Raises ValidationError ({field: message}) and holds nothing when the user submits too often,
    an option is locked, the user already has as many jobs running as the plan allows, or the
    points are short. Screening comes before any point is held:
    - refused: the job is saved as `rejected` with no points held and the reason (field and rule
      category) as its message, so it shows in My works and can be appealed once;
    - held for review: the points are held and the job waits, not enqueued, with a pending Flag.
    """
    from generation.engine.specs import get_spec

    ratelimit.check_job_submission(user)
    data = form.cleaned_data
    kind = data["kind"]
    params = form.job_params()
    source = data.get("source")
    if source is not None:
        params["aspect_ratio"] = source.params.get("aspect_ratio", params["aspect_ratio"])
    errors = locked_option_errors(user, kind, params)
    if errors:
        raise ValidationError(errors)
    allowed = entitlements(user)
    spec = get_spec(settings.GENERATION_MODEL)
    if engine_kind(kind) not in spec.kinds:
        raise ValidationError({"kind": _("This site's model cannot do that.")})
    price = price_for(kind, params)
    hit = _screen(form, params)
    fields = dict(
        user=user,
        kind=kind,
        prompt=data["prompt"],
        negative_prompt=data["negative_prompt"],
        params=params,
        source_job=source,
        model_spec=spec.id,
        priority=allowed.priority_queue,
        # Fixed at submission: a later upgrade serves the clean master instead.
        watermarked=not allowed.no_watermark,
    )
    if hit is not None and hit.outcome == REFUSE:
        return _refuse(form, fields, hit)

    with _photos_removed_on_rollback() as written, transaction.atomic():
        # Locking the user's row serialises their submissions, so the count of active jobs
        # below cannot race with a parallel submit. (Lock order: user, then wallet in hold.)
        get_user_model().objects.select_for_update().only("pk").get(pk=user.pk)
        active = Job.objects.filter(ACTIVE, user=user).count()
        if active >= allowed.max_concurrent_jobs:
            raise ValidationError(
                _("You already have %(n)d job(s) in progress; your plan allows %(max)d at a time.")
                % {"n": active, "max": allowed.max_concurrent_jobs},
                code="concurrent_jobs",
            )
        job = _create(
            form,
            fields,
            written,
            status=Status.QUEUED if hit is None else Status.REVIEW,
            points_held=price,
            error_message="" if hit is None else hit.user_message(),
        )
        try:
            ledger.hold(user, price, job.ledger_ref, reason=hold_reason(job))
        except ledger.NotEnoughPoints as exc:
            # The code lets the create page offer a way to buy points next to the message.
            raise ValidationError(short_of_points(exc), code="not_enough_points") from None
        if hit is not None:
            record_flag(job, hit)
        else:
            transaction.on_commit(lambda: enqueue(job))
    return job


def _screen(form, params: dict):
    """Screening's decision on what the user sent: the prompt (a storyboard's every shot, each
    as the prompt it is, so one banned shot refuses the whole story), the negative prompt and
    the photos (a reference video's each as the input photo it is), and a sample of a
    restyle's frames (generation/restyle.py)."""
    data = form.cleaned_data
    photos = {
        "input_image": form.photo[1] if form.photo else None,
        "end_image": form.end_photo[1] if form.end_photo else None,
        "second_image": form.second_photo[1] if form.second_photo else None,
    }
    prompts = [shot["prompt"] for shot in params.get("shots", [])] or [data["prompt"]]
    uploaded = _from_uploads(form)
    hits = [
        screening.screen_submission(p, data["negative_prompt"], photos, uploaded) for p in prompts
    ]
    hits += [
        screening.screen_photos({"input_image": image}) for _file, image in form.reference_photos
    ]
    if frames := screened_frames(form):
        hits.append(screening.screen_clip(frames))
    return strongest(hits)


def _from_uploads(form) -> bool:
    """Whether the job shows what the user brought: a photo, reference photos or a clip
    uploaded now, or a work (an extension's, a restyle's, a sound's source) made from one.
    Whoever is in them may not have agreed to what the prompt makes of them
    (moderation.rules.hits)."""
    data = form.cleaned_data
    if form.photo or form.end_photo or form.second_photo or form.reference_photos:
        return True
    if data.get("video"):  # a restyle's upload
        return True
    return data.get("source") is not None and from_uploads(data["source"])


def from_uploads(job: Job) -> bool:
    """Whether `job`, or a work earlier in its chain (what it extends, restyles or gives
    sound to), was made from a photo, reference photos or a clip the user uploaded."""
    links = 0
    while job is not None and links < MAX_CHAIN_LINKS:
        if job.input_image or job.end_image or job.second_image or job.references.exists():
            return True
        # A restyle keeps its clip, uploaded or copied from a picked work (then its source).
        if job.input_video and job.source_job_id is None:
            return True
        job, links = job.source_job, links + 1
    return False


def _create(form, fields: dict, written: list, **extra) -> Job:
    """Save the job with its photos, noting each stored file in `written`."""
    job = Job(**fields, **extra)
    if form.photo:
        job.input_image.save("photo.png", form.photo[0], save=False)
        written.append(job.input_image.name)
    if form.end_photo:
        job.end_image.save("end.png", form.end_photo[0], save=False)
        written.append(job.end_image.name)
    if form.clip:
        job.input_video.save("clip.mp4", form.clip.file, save=False)
        written.append(job.input_video.name)
    if form.second_photo:
        job.second_image.save("second.png", form.second_photo[0], save=False)
        written.append(job.second_image.name)
    job.save()
    for position, (file, _image) in enumerate(form.reference_photos, start=1):
        reference = ReferencePhoto(job=job, position=position)
        reference.image.save(f"reference-{position}.png", file, save=False)
        written.append(reference.image.name)
        reference.save()
    return job


@contextmanager
def _photos_removed_on_rollback():
    """Yield a list for the names of files stored in the block; if the block raises (its
    transaction rolls back: points short, one job at a time...), delete them, so no photo stays
    in storage without its job."""
    from django.core.files.storage import default_storage

    written = []
    try:
        yield written
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise


def _refuse(form, fields: dict, hit: Hit) -> Job:
    """A submission screening refused: kept as a rejected job holding nothing, with the reason,
    and a Flag already decided (no one to review it unless the user appeals)."""
    with _photos_removed_on_rollback() as written, transaction.atomic():
        job = _create(
            form,
            fields,
            written,
            status=Status.REJECTED,
            points_held=0,
            error_message=hit.user_message(),
            finished_at=timezone.now(),
        )
        record_flag(job, hit)
    log.info("job %s refused at submission: %s %s (%s)", job.pk, hit.layer, hit.field, hit.rule)
    return job


FLAG_KINDS = {
    "prompt": Flag.Kind.PROMPT,
    "negative_prompt": Flag.Kind.PROMPT,
    "input_image": Flag.Kind.UPLOAD,
    "end_image": Flag.Kind.UPLOAD,
    "input_video": Flag.Kind.UPLOAD,
    "second_image": Flag.Kind.UPLOAD,
    "output": Flag.Kind.OUTPUT,
}


def record_flag(job: Job, hit: Hit) -> Flag:
    """The Flag for what screening found: pending for a hold, already rejected for a refusal."""
    refused = hit.outcome == REFUSE
    return Flag.objects.create(
        job=job,
        user_id=job.user_id,
        kind=FLAG_KINDS.get(hit.field, Flag.Kind.PROMPT),
        field=hit.field,
        layer=hit.layer,
        category=hit.category,
        rule=hit.rule[:300],
        score=hit.score,
        status=Flag.Status.REJECTED if refused else Flag.Status.PENDING,
        decided_at=timezone.now() if refused else None,
        decision_note=REFUSED_AT_SUBMISSION if refused else "",
    )


# The decision note of a refusal at submission, kept and shown like CANCELED_BY_OWNER.
REFUSED_AT_SUBMISSION = gettext_noop("Refused automatically at submission.")


def hold_reason(job: Job) -> str:
    """The note of a job's points hold: a catalogue message, so the points history shows it in
    the reader's language whichever language it was written in (webapp/stored_text)."""
    return _("Held for job #%(id)s (%(kind)s)") % {"id": job.pk, "kind": job.get_kind_display()}


def enqueue(job: Job) -> bool:
    """Send the job to the workers' queue and record when (`enqueued_at`).

    Never raises: when the broker cannot be reached, the job stays queued with no enqueue record
    and the sweep sends it later (sweep_stuck_jobs). Sending twice is harmless: claim() runs a
    job once whatever number of messages name it.
    """
    run_job = current_app.tasks[RUN_JOB]
    soft = time_limit(job)
    priority = dispatch.priority_of(job, dispatch.jobs_ahead(job))
    try:
        run_job.apply_async(
            (job.pk,),
            queue=dispatch.queue_for(job),
            priority=dispatch.broker_priority(priority, run_job.app.conf.broker_url),
            soft_time_limit=soft,
            time_limit=soft + settings.JOB_KILL_GRACE,
        )
    except Exception:  # kombu's OperationalError, a DNS failure, a refused connection...
        log.exception("job %s could not be sent to the broker; the sweep will send it", job.pk)
        return False
    job.enqueued_at, job.dispatch_level = timezone.now(), priority
    Job.objects.filter(pk=job.pk).update(enqueued_at=job.enqueued_at, dispatch_level=priority)
    return True


def time_limit(job: Job) -> int:
    """Seconds the job may run before it is stopped and refunded: JOB_SOFT_TIME_LIMIT when set,
    else the spec's cost model for this kind, quality, length and step count."""
    if settings.JOB_SOFT_TIME_LIMIT:
        return settings.JOB_SOFT_TIME_LIMIT
    from generation.engine.specs import get_spec

    try:
        spec = get_spec(job.model_spec)
    except KeyError:  # a spec this site no longer runs: the longest limit it knows
        return settings.JOB_LONGEST_HARD_LIMIT - settings.JOB_KILL_GRACE
    p = job.params
    return spec.time_limit(
        engine_kind(job.kind),
        p.get("mode", "standard"),
        p.get("duration_s") or 5,
        end_frame=bool(job.end_image),
        steps=steps_override(job.kind),
        num_images=p.get("num_images") or 1,
        shots=[shot["duration_s"] for shot in p.get("shots", [])] or None,
    )


def claim(job_id: int, worker: str) -> Job | None:
    """Take a queued job for this worker, or a running one whose worker stopped beating.

    Returns None when the job is finished, canceled, or alive on another worker (a duplicate
    delivery). A job that would start a third attempt is failed and refunded instead.
    """
    now = timezone.now()
    stale = now - timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT)
    claimable = Q(status=Status.QUEUED) | Q(status=Status.RUNNING, heartbeat_at__lt=stale)
    over = Job.objects.filter(claimable, pk=job_id, attempts__gte=settings.JOB_MAX_ATTEMPTS)
    if over.exists():
        fail(job_id, _("The job stopped twice on our servers. Your points were refunded."))
        return None
    changed = Job.objects.filter(claimable, pk=job_id).update(
        status=Status.RUNNING,
        attempts=F("attempts") + 1,
        worker=worker,
        started_at=now,
        heartbeat_at=now,
        progress=0,
    )
    return Job.objects.get(pk=job_id) if changed else None


def beat(job_id: int, progress: int | None = None, attempt: int | None = None) -> bool:
    """Record that the worker is alive (and how far it is). False: stop, the job was canceled,
    or (with `attempt`) sent back to the queue and claimed again by a later attempt."""
    fields = {"heartbeat_at": timezone.now()}
    if progress is not None:
        fields["progress"] = max(0, min(progress, 99))
    mine = Job.objects.filter(pk=job_id, status=Status.RUNNING)
    if attempt is not None:
        mine = mine.filter(attempts=attempt)
    return bool(mine.update(**fields))


def succeed(
    job_id: int, store_outputs, review: Hit | None = None, attempt: int | None = None
) -> bool:
    """Store the outputs and capture the points, if the job is still ours to finish.

    `store_outputs(job)` writes the Asset rows; it runs inside the same transaction as the status
    change, so a job is never "succeeded" without its files, nor its files without the capture.
    With `review` (output screening found something), the outputs are stored but the job goes to
    `review` instead: nothing is shown to the owner and the points stay held until staff decide.
    With `attempt`, only that attempt may finish it (a worker thought dead, whose job went back
    to the queue and was claimed again, stores nothing).
    """
    with transaction.atomic():
        mine = Job.objects.select_for_update().filter(pk=job_id, status=Status.RUNNING)
        if attempt is not None:
            mine = mine.filter(attempts=attempt)
        job = mine.first()
        if job is None:
            return False
        store_outputs(job)
        if review is not None:
            Job.objects.filter(pk=job_id).update(
                status=Status.REVIEW, progress=100, error_message=review.user_message()
            )
            record_flag(job, review)
            return True
        Job.objects.filter(pk=job_id).update(
            status=Status.SUCCEEDED, progress=100, finished_at=timezone.now(), error_message=""
        )
        ledger.capture(job.ledger_ref)
    # Learn how long this shape of job takes here, for the next ones' ETA (generation/eta.py).
    eta.record(job, (timezone.now() - job.started_at).total_seconds())
    return True


# --- moderation decisions (called by generation/moderation/review.py) ---------------------------


def run_after_review(job_id: int) -> bool:
    """A job held before running is cleared: review → queued, enqueued on commit."""
    with transaction.atomic():
        changed = Job.objects.filter(HELD_BEFORE_RUN, pk=job_id).update(
            status=Status.QUEUED, error_message=""
        )
        if changed:
            job = Job.objects.get(pk=job_id)
            transaction.on_commit(lambda: enqueue(job))
    return bool(changed)


def publish_after_review(job_id: int) -> bool:
    """Outputs held for review are cleared: review → succeeded, the held points captured."""
    with transaction.atomic():
        changed = Job.objects.filter(HELD_OUTPUTS, pk=job_id).update(
            status=Status.SUCCEEDED, finished_at=timezone.now(), error_message=""
        )
        if changed:
            ledger.capture(Job.objects.get(pk=job_id).ledger_ref)
    return bool(changed)


def reject_after_review(job_id: int, message: str) -> bool:
    """Staff reject a held job: review → rejected, points released, any outputs removed."""
    with transaction.atomic():
        if not _end(job_id, Status.REJECTED, message, Q(status=Status.REVIEW)):
            return False
        _remove_outputs(job_id)
    return True


def _remove_outputs(job_id: int) -> None:
    """Delete the job's Asset rows, and their files (clean and marked) once that commits."""
    from django.core.files.storage import default_storage

    assets = Asset.objects.filter(job_id=job_id)
    names = [f.name for a in assets for f in (a.file, a.marked_file) if f]
    assets.delete()
    transaction.on_commit(lambda: [default_storage.delete(name) for name in names])


def run_after_appeal(job_id: int) -> bool:
    """An accepted appeal: rejected → queued with its points held again (a new hold round, as
    the first hold, if any, was released). Raises ledger.NotEnoughPoints, changing nothing,
    when the owner can no longer pay."""
    with transaction.atomic():
        job = (
            Job.objects.select_for_update()
            .filter(pk=job_id, status=Status.REJECTED, deleted_at=None)
            .first()
        )
        if job is None:  # deleted by its owner meanwhile: nothing to run
            return False
        price = price_for(job.kind, job.params)
        job.hold_round += 1
        ledger.hold(job.user, price, job.ledger_ref, reason=hold_reason(job))
        Job.objects.filter(pk=job_id).update(
            status=Status.QUEUED,
            hold_round=job.hold_round,
            points_held=price,
            error_message="",
            finished_at=None,
            started_at=None,
            heartbeat_at=None,
            progress=0,
            attempts=0,
            enqueued_at=None,
        )
        transaction.on_commit(lambda: enqueue(job))
    return True


def _end(job_id: int, status: str, message: str, where: Q) -> bool:
    with transaction.atomic():
        changed = Job.objects.filter(where, pk=job_id).update(
            status=status, finished_at=timezone.now(), error_message=message
        )
        if changed:
            ledger.release(Job.objects.get(pk=job_id).ledger_ref)
    return bool(changed)


def fail(job_id: int, message: str) -> bool:
    """Queued or running → failed, points released. The message is shown to the user."""
    log.warning("job %s failed: %s", job_id, message)
    return _end(job_id, Status.FAILED, message, ACTIVE)


def reject(job_id: int, message: str) -> bool:
    """Refused by moderation while queued or running → rejected, points released."""
    return _end(job_id, Status.REJECTED, message, ACTIVE)


# The decision note of a flag whose job its owner canceled while it waited for review. Kept in
# English; a catalogue message, so pages show it in the reader's language (webapp/stored_text).
CANCELED_BY_OWNER = gettext_noop("Canceled by its owner before review.")


def cancel_all(user, *, reject_held_outputs: str = "") -> list[int]:
    """Cancel every queued, running or held-before-run job of the user, each refunded as by
    `cancel`; returns their ids. With `reject_held_outputs` (a message), jobs whose outputs wait
    for review are rejected too, so nothing of the user's stays open (account deletion);
    without it those stay for staff to decide (suspension)."""
    reject = reject_held_outputs
    ended = []
    jobs = Job.objects.filter(user=user).exclude(status__in=Job.FINISHED).order_by("pk")
    for job in jobs:
        # Cancel first: a job held before it ran is canceled (refunded), not rejected.
        if cancel(job) or (reject and reject_after_review(job.pk, reject)):
            ended.append(job.pk)
    return ended


def cancel(job: Job) -> bool:
    """The user cancels: queued, running, or held for review before it ran → canceled at once,
    points released, and its pending review flags closed in the same transaction (no decider,
    note CANCELED_BY_OWNER), so the queue no longer shows them and staff cannot approve them.

    A running worker sees the status change at its next step and stops. Outputs held for review
    cannot be canceled: staff decide on them.
    """
    message = _("Canceled. Your points were refunded.")
    with transaction.atomic():
        canceled = _end(job.pk, Status.CANCELED, message, ACTIVE | HELD_BEFORE_RUN)
        if canceled:
            # Its pending flags leave the review queue, decided: nothing is left to approve.
            Flag.objects.filter(job_id=job.pk, status=Flag.Status.PENDING).update(
                status=Flag.Status.REJECTED,
                decided_at=timezone.now(),
                decision_note=CANCELED_BY_OWNER,
            )
    return canceled


# How long a queued job may wait for its first send (made on commit) before the sweep sends it.
UNSENT_GRACE = timedelta(seconds=30)


def sweep_stuck_jobs(now=None) -> int:
    """Keep every active job moving (beat runs this every minute); returns how many it moved.

    - Past its own hard time limit: failed and refunded.
    - Silent past JOB_HEARTBEAT_TIMEOUT (its worker died; if the whole worker was killed, the
      broker keeps the message for its visibility timeout, hours): back to `queued` and sent
      again when it has an attempt left, else failed and refunded.
    - Queued for UNSENT_GRACE with no enqueue record (the broker was unreachable at submit, or
      the web process died between the commit and the send): sent.

    Idempotent: every change is a conditional UPDATE, so parallel sweeps act once, and a late
    delivery of the old message finds the job claimed or finished (claim() refuses it).
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT)
    running = Job.objects.filter(status=Status.RUNNING).only(
        "pk",
        "kind",
        "params",
        "model_spec",
        "end_image",
        "priority",
        "started_at",
        "heartbeat_at",
        "attempts",
    )
    count, requeued = 0, []
    for job in running:
        limit = now - timedelta(seconds=time_limit(job) + settings.JOB_KILL_GRACE)
        if job.started_at < limit or job.heartbeat_at < limit:
            message = _("The job took too long on our servers. Your points were refunded.")
            count += fail(job.pk, message)
        elif job.heartbeat_at < stale and job.attempts >= settings.JOB_MAX_ATTEMPTS:
            message = _("The job stopped twice on our servers. Your points were refunded.")
            count += fail(job.pk, message)
        elif job.heartbeat_at < stale and _requeue_lost(job, stale):
            count += 1
            requeued.append(job.pk)
    unsent = Job.objects.filter(
        status=Status.QUEUED, enqueued_at=None, created_at__lt=now - UNSENT_GRACE
    ).exclude(pk__in=requeued)  # those are sent as they are requeued
    for job in unsent:
        count += enqueue(job)
    return count


def _requeue_lost(job: Job, stale) -> bool:
    """A running job whose worker went silent, with an attempt left: queued and sent again."""
    with transaction.atomic():
        changed = Job.objects.filter(
            pk=job.pk,
            status=Status.RUNNING,
            heartbeat_at__lt=stale,
            attempts__lt=settings.JOB_MAX_ATTEMPTS,
        ).update(status=Status.QUEUED, worker="", progress=0, enqueued_at=None)
        if changed:
            log.warning("job %s lost its worker; queued again", job.pk)
            transaction.on_commit(lambda: enqueue(job))
    return bool(changed)


def delete_work(job: Job) -> None:
    """Hide a finished work from its owner and remove its files."""
    with transaction.atomic():
        _remove_outputs(job.pk)
        Job.objects.filter(pk=job.pk).update(deleted_at=timezone.now())
