"""The rules of a job's life: submit, claim, progress, finish, cancel.

Every status change is a conditional UPDATE (`filter(status=...).update(...)`): if it changed no
row, another process got there first and this call is a no-op. Points move only through
billing.ledger, keyed by the job (`job:<id>`): held on submit, captured on success, released on
every other ending.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import ledger
from billing.entitlements import entitlements
from billing.pricing import price_of
from generation.models import Job

log = logging.getLogger(__name__)
Status = Job.Status

# Which plan unlocks what, for the messages on locked options.
LOCKED_MESSAGES = {
    "professional_mode": _("Professional mode comes with a membership (Standard and up)."),
    "video_extension": _("Extending videos comes with a membership (Standard and up)."),
    "camera_movement": _("Camera movement comes with a membership (Standard and up)."),
}


def price_for(kind: str, params: dict) -> int:
    """The price of a request in tenths of a point, from the one price table."""
    return price_of(
        {
            "kind": kind,
            "duration": params.get("duration_s") or 5,
            "mode": params.get("mode", "standard"),
            "num_images": params.get("num_images") or 1,
        }
    )


def locked_option_errors(user, kind: str, params: dict) -> dict[str, str]:
    """Options the user's plan does not allow, as {field: message}."""
    allowed = entitlements(user)
    errors = {}
    if params.get("mode") == "professional" and not allowed.professional_mode:
        errors["mode"] = LOCKED_MESSAGES["professional_mode"]
    if kind == Job.Kind.EXTEND and not allowed.video_extension:
        errors["source_job"] = LOCKED_MESSAGES["video_extension"]
    if params.get("camera_movement", "static") != "static" and not allowed.camera_movement:
        errors["camera_movement"] = LOCKED_MESSAGES["camera_movement"]
    return errors


def submit(user, form) -> Job:
    """Create a job from a valid JobForm: check the plan, hold the points, enqueue on commit.

    Raises ValidationError ({field: message}) and holds nothing when an option is locked, the user
    already has as many jobs running as the plan allows, or the points are short.
    """
    from generation.engine.specs import get_spec

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
    if kind not in spec.capabilities:
        raise ValidationError({"kind": _("This site's model cannot do that.")})
    price = price_for(kind, params)

    with transaction.atomic():
        # Locking the user's row serialises their submissions, so the count of active jobs
        # below cannot race with a parallel submit. (Lock order: user, then wallet in hold.)
        get_user_model().objects.select_for_update().only("pk").get(pk=user.pk)
        active = Job.objects.filter(user=user, status__in=Job.ACTIVE).count()
        if active >= allowed.max_concurrent_jobs:
            raise ValidationError(
                _("You already have %(n)d job(s) in progress; your plan allows %(max)d at a time.")
                % {"n": active, "max": allowed.max_concurrent_jobs}
            )
        job = Job.objects.create(
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
            points_held=price,
        )
        if form.photo:
            job.input_image.save("photo.png", form.photo[0], save=False)
        if form.end_photo:
            job.end_image.save("end.png", form.end_photo[0], save=False)
        job.save()
        try:
            ledger.hold(
                user, price, job.ledger_ref, reason=f"{job.get_kind_display()} job {job.pk}"
            )
        except ledger.NotEnoughPoints as exc:
            raise ValidationError(str(exc)) from None
        transaction.on_commit(lambda: enqueue(job))
    return job


def enqueue(job: Job) -> None:
    from generation.tasks import run_job

    queue = settings.GENERATION_PRIORITY_QUEUE if job.priority else settings.GENERATION_QUEUE
    run_job.apply_async((job.pk,), queue=queue)


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


def beat(job_id: int, progress: int | None = None) -> bool:
    """Record that the worker is alive (and how far it is). False: stop, the job was canceled."""
    fields = {"heartbeat_at": timezone.now()}
    if progress is not None:
        fields["progress"] = max(0, min(progress, 99))
    return bool(Job.objects.filter(pk=job_id, status=Status.RUNNING).update(**fields))


def succeed(job_id: int, store_outputs) -> bool:
    """Store the outputs and capture the points, if the job is still ours to finish.

    `store_outputs(job)` writes the Asset rows; it runs inside the same transaction as the status
    change, so a job is never "succeeded" without its files, nor its files without the capture.
    """
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id, status=Status.RUNNING).first()
        if job is None:
            return False
        store_outputs(job)
        Job.objects.filter(pk=job_id).update(
            status=Status.SUCCEEDED, progress=100, finished_at=timezone.now(), error_message=""
        )
        ledger.capture(job.ledger_ref)
    return True


def _end(job_id: int, status: str, message: str, from_statuses) -> bool:
    with transaction.atomic():
        changed = Job.objects.filter(pk=job_id, status__in=from_statuses).update(
            status=status, finished_at=timezone.now(), error_message=message
        )
        if changed:
            ledger.release(Job.objects.get(pk=job_id).ledger_ref)
    return bool(changed)


def fail(job_id: int, message: str) -> bool:
    """Queued or running → failed, points released. The message is shown to the user."""
    log.warning("job %s failed: %s", job_id, message)
    return _end(job_id, Status.FAILED, message, Job.ACTIVE)


def reject(job_id: int, message: str) -> bool:
    """Refused by moderation → rejected, points released."""
    return _end(job_id, Status.REJECTED, message, Job.ACTIVE)


def cancel(job: Job) -> bool:
    """The user cancels: queued or running → canceled at once, points released.

    A running worker sees the status change at its next step and stops.
    """
    return _end(job.pk, Status.CANCELED, _("Canceled. Your points were refunded."), Job.ACTIVE)


def sweep_stuck_jobs(now=None) -> int:
    """Fail and refund running jobs whose worker stopped beating past the hard time limit."""
    now = now or timezone.now()
    limit = now - timedelta(seconds=settings.JOB_HARD_TIME_LIMIT)
    stale = now - timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT)
    stuck = Job.objects.filter(status=Status.RUNNING).filter(
        Q(started_at__lt=limit)
        | Q(heartbeat_at__lt=limit)
        | Q(heartbeat_at__lt=stale, attempts__gte=settings.JOB_MAX_ATTEMPTS)
    )
    count = 0
    for job_id in stuck.values_list("pk", flat=True):
        count += fail(job_id, _("The job took too long on our servers. Your points were refunded."))
    return count


def delete_work(job: Job) -> None:
    """Hide a finished work from its owner and remove its files."""
    for asset in job.assets.all():
        asset.file.delete(save=False)
        if asset.marked_file:
            asset.marked_file.delete(save=False)
    job.assets.all().delete()
    Job.objects.filter(pk=job.pk).update(deleted_at=timezone.now())


def queue_position(job: Job) -> int:
    """How many queued jobs run before this one (members' first, then first come)."""
    if job.status != Status.QUEUED:
        return 0
    ahead = Job.objects.filter(status=Status.QUEUED).filter(
        Q(priority=True, created_at__lt=job.created_at)
        if job.priority
        else Q(priority=True) | Q(created_at__lt=job.created_at)
    )
    return ahead.count()


def typical_run_seconds(kind: str) -> float:
    """Median run time of the last 20 finished jobs of this kind (a default before any)."""
    recent = list(
        Job.objects.filter(kind=kind, status=Status.SUCCEEDED, started_at__isnull=False)
        .order_by("-finished_at")
        .values_list("started_at", "finished_at")[:20]
    )
    if not recent:
        return 60.0
    durations = sorted((end - start).total_seconds() for start, end in recent)
    return durations[len(durations) // 2]


def eta_seconds(job: Job) -> int | None:
    """Estimated seconds until the job is done, from recent run times; None once finished."""
    run = typical_run_seconds(job.kind)
    if job.status == Status.QUEUED:
        workers = max(1, live_worker_count())
        running = Job.objects.filter(status=Status.RUNNING).count()
        return int(run * ((queue_position(job) + running) / workers + 1))
    if job.status == Status.RUNNING:
        return int(max(1.0, run * (100 - job.progress) / 100))
    return None


def live_worker_count() -> int:
    from webapp.models import WorkerHeartbeat

    recent = timezone.now() - timedelta(seconds=120)
    return WorkerHeartbeat.objects.filter(seen_at__gte=recent).count()
