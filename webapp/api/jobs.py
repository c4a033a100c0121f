"""Jobs through the API: the site's create form and generation.services, nothing else.

A create builds the site's JobForm from the request, so screening, prices, holds,
entitlements, rate limits and the concurrent-job limit are the site's own; only the answer
differs (a problem document with a code instead of a page with a message).
"""

import json
import time

import pydantic
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import JsonResponse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import File, Form, Header, Query, Router, Status, UploadedFile

from generation import services
from generation.forms import JobForm
from generation.models import MAX_ROW_ID, Job
from generation.moderation import ratelimit
from generation.moderation.models import Flag
from webapp.api import downloads, idempotency, pagination, photo_uploads
from webapp.api.auth import require_scope
from webapp.api.problems import Problem, problems
from webapp.api.schemas import (
    CURSOR_PATTERN,
    AnyKind,
    JobIn,
    JobOut,
    JobPage,
    JobStatus,
    ModerationOut,
    points,
)

router = Router(tags=["jobs"])
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
JSON_TYPE = "application/json"


def _get_job_for_user(user, job_id: int) -> Job:
    """The one answer to "may this token see this job": its owner's, not deleted."""
    if not 0 < job_id <= MAX_ROW_ID:  # no such row, and a database would refuse the number
        raise Problem(404, "not_found", _("No such job."))
    job = (
        Job.objects.prefetch_related("assets").filter(pk=job_id, user=user, deleted_at=None).first()
    )
    if job is None:
        raise Problem(404, "not_found", _("No such job."))
    return job


def _moderation(job: Job) -> ModerationOut | None:
    if job.status not in (Job.Status.REJECTED, Job.Status.REVIEW):
        return None
    flag = job.flags.exclude(kind=Flag.Kind.APPEAL).order_by("-id").first()
    if flag is None:
        return None
    code = "moderation_refused" if job.status == Job.Status.REJECTED else "moderation_held"
    return ModerationOut(code=code, category=flag.category)


def job_out(request, job: Job, with_outputs: bool = False) -> dict:
    outputs = None
    if with_outputs and job.status == Job.Status.SUCCEEDED:
        outputs = []
        for asset in job.assets.all():
            url, expires, watermarked = downloads.url_for(request, asset, job.user)
            outputs.append(
                {
                    "id": asset.pk,
                    "kind": asset.kind,
                    "content_type": asset.content_type,
                    "width": asset.width,
                    "height": asset.height,
                    "duration_s": asset.duration_s,
                    "size_bytes": asset.size_bytes,
                    "watermarked": watermarked,
                    "url": url,
                    "url_expires_at": expires,
                }
            )
    moderation = _moderation(job)
    return JobOut(
        id=job.pk,
        kind=job.kind,
        status=job.status,
        prompt=job.prompt,
        negative_prompt=job.negative_prompt,
        params=job.params,
        source_job=job.source_job_id,
        price_points=points(job.points_held),
        progress=job.progress,
        message=job.error_message,
        moderation=moderation,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        outputs=outputs,
    ).model_dump(mode="json")


def _refusal(user, form: JobForm, exc: ValidationError) -> Problem:
    """The problem document for a submission services.submit refused (nothing was held)."""
    if getattr(exc, "code", None) == "rate_limited":
        count, period = ratelimit.parse_rate(settings.JOB_SUBMIT_RATE)
        now = time.time()
        wait = int((int(now // period) + 1) * period - now) + 1
        return Problem(
            429, "rate_limited", exc.messages[0], {"Retry-After": str(wait)}, retry_after=wait
        )
    if getattr(exc, "code", None) == "not_enough_points":
        return Problem(402, "insufficient_points", exc.messages[0])
    if hasattr(exc, "error_dict"):
        errors = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        data = form.cleaned_data
        locked = services.locked_option_errors(user, data["kind"], form.job_params())
        # Sound this site's model cannot make is refused as a field: no plan unlocks it.
        locked.pop("sound", None)
        if set(locked) & set(errors):
            return Problem(403, "plan_required", " ".join(locked.values()), errors=errors)
        if "kind" in errors:
            return Problem(422, "unsupported_kind", errors["kind"][0], errors=errors)
        return Problem(422, "invalid_request", _("The request was refused."), errors=errors)
    if getattr(exc, "code", None) == "concurrent_jobs":
        return Problem(409, "concurrent_job_limit", exc.messages[0])
    return Problem(422, "invalid_request", " ".join(exc.messages))


@router.post(
    "/jobs",
    response={
        201: JobOut,
        200: JobOut,
        **problems(400, 401, 402, 403, 409, 413, 415, 422, 429),
    },
    summary="Create a job",
    description=(
        "A JSON object, or a multipart (or urlencoded) form, with the fields below. A photo for "
        "image_to_video or an effect is either a multipart file (`image`, `end_image` for an "
        "optional end frame, `second_image` for a two-photo effect's second person) or the id "
        "of a photo sent first to POST /uploads (`image_upload`, `end_image_upload`, "
        "`second_image_upload`), which is how a JSON create names one; a references job's 1-4 "
        "photos are the repeated file `references` or `reference_uploads` (members only); a "
        "restyle's clip of up to 10 s is the file `video`, or one of your finished videos by "
        "job id (`restyle_source`); add_sound gives one of your finished silent videos of up "
        "to 10 s (`sound_source`, its job id) the soundtrack the prompt describes. Send an "
        "`Idempotency-Key` "
        "header to make retries safe: a repeat returns the first result (status 200 with "
        "`Idempotent-Replayed: true`) and never holds points twice. A prompt or photo refused by "
        "moderation answers 422 with code `moderation_refused` and its `category`; nothing is "
        "held."
    ),
)
def create_job(
    request,
    data: Form[JobIn],
    image: File[UploadedFile] = None,
    end_image: File[UploadedFile] = None,
    second_image: File[UploadedFile] = None,
    references: File[list[UploadedFile]] = None,
    video: File[UploadedFile] = None,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    require_scope(request, "create")
    if request.content_type == JSON_TYPE:
        data = _job_from_json(request)  # ninja read only the (empty) form
    elif request.content_type not in FORM_TYPES:
        raise Problem(
            415,
            "unsupported_media_type",
            _("Send the job as application/json, multipart/form-data or a urlencoded form."),
        )
    user = request.auth.user
    fields = data.form_data()
    singles = {"image": image, "end_image": end_image, "second_image": second_image, "video": video}
    files = MultiValueDict({name: [f] for name, f in singles.items() if f})
    if references:
        files.setlist("references", references)
    # What the request asks, for Idempotency-Key: its fields and each file's content.
    asked = dict(fields)
    if data.reference_uploads is not None:
        asked["reference_uploads"] = data.reference_uploads
    each_file = {name: f for name, f in singles.items() if f}
    each_file.update({f"references.{n}": f for n, f in enumerate(references or [])})
    fingerprint = idempotency.fingerprint(request.method, request.path, asked, each_file)

    def work():
        uploads = _uploaded_photos(user, data, files)
        form = JobForm(fields, _form_files(data, files, uploads), user=user)
        if not form.is_valid():
            errors = _form_errors(form, data, files)
            if "kind" in errors:  # a kind of the schema the form does not offer on this model
                detail = _("This site's model cannot do that.")
                raise Problem(422, "unsupported_kind", detail, errors=errors)
            raise Problem(422, "invalid_request", _("Some fields are invalid."), errors=errors)
        try:
            job = services.submit(user, form)
        except ValidationError as exc:
            raise _refusal(user, form, exc) from None
        job = Job.objects.prefetch_related("assets").get(pk=job.pk)
        if job.status == Job.Status.REJECTED:
            moderation = _moderation(job)
            refused = Problem(
                422,
                "moderation_refused",
                job.error_message,
                category=moderation.category if moderation else None,
                job_id=job.pk,
            )
            return 422, refused.document()
        return 201, job_out(request, job)

    status, body, replayed = idempotency.run_once(user, idempotency_key, fingerprint, work)
    if status >= 400:
        response = JsonResponse(body, status=status, content_type="application/problem+json")
    else:
        response = JsonResponse(body, status=200 if replayed else status)
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def _form_files(data: JobIn, files: MultiValueDict, uploads: MultiValueDict) -> MultiValueDict:
    """The files as the create page sends them: an effect's photo is its own field there (the
    page's image to video photo is sent beside it), `image` in the API."""
    photos = MultiValueDict({**dict(files.lists()), **dict(uploads.lists())})
    if data.kind == Job.Kind.EFFECT and "image" in photos:
        photos.setlist("effect_image", photos.pop("image"))
    return photos


def _form_errors(form: JobForm, data: JobIn, files: MultiValueDict) -> dict[str, list[str]]:
    """The create form's errors by the API's field names: a storyboard's rules on its shots
    (how many, how long in all) are the form's own, and named `shots` here; an effect's photo
    is `image`; a restyle's source is `restyle_source` when the caller named one, not a clip."""
    renamed = {"effect_image": "image"}
    if data.restyle_source and "video" not in files:
        renamed["video"] = "restyle_source"
    errors = {}
    for field, messages in form.errors.items():
        name = "shots" if field == NON_FIELD_ERRORS or field.startswith("shot_") else field
        errors.setdefault(renamed.get(name, name), []).extend(messages)
    return errors


def _job_from_json(request) -> JobIn:
    """The job a JSON body asks for: 400 when it is not JSON, 422 when a field is wrong."""
    try:
        payload = json.loads(request.body)
    except ValueError:  # also bytes that are not UTF-8
        raise Problem(400, "malformed_body", _("The request body is not valid JSON.")) from None
    if not isinstance(payload, dict):
        raise Problem(422, "invalid_request", _("Send the job as a JSON object."))
    try:
        # Strict: JSON has types, and the schema states them ("5" is not a duration).
        return JobIn.model_validate_json(request.body, strict=True)
    except pydantic.ValidationError as exc:
        errors = [
            {"loc": ["body", *map(str, e["loc"])], "msg": e["msg"]}
            for e in exc.errors(include_url=False)
        ]
        raise Problem(
            422, "invalid_request", _("The request is malformed."), errors=errors
        ) from None


# Photo fields a job names by upload id, and the create form's file field each fills.
UPLOAD_FIELDS = (
    ("image_upload", "image"),
    ("end_image_upload", "end_image"),
    ("second_image_upload", "second_image"),
    ("reference_uploads", "references"),
)


def _uploaded_photos(user, data: JobIn, files: MultiValueDict) -> MultiValueDict:
    """The photos the job names by upload id, as files for the create form; only the caller's
    own uploads that have not expired."""
    photos, errors = MultiValueDict(), {}
    for name, field in UPLOAD_FIELDS:
        ids = getattr(data, name)
        if ids is None or ids == []:
            continue
        ids = ids if isinstance(ids, list) else [ids]
        found = photo_uploads.get_all_for_user(user, ids)
        if field in files:
            errors[name] = [_("Send the photo as a file or as an upload, not both.")]
        elif len(found) < len(set(ids)):
            errors[name] = [str(photo_uploads.UNKNOWN_UPLOAD)]
        else:
            photos.setlist(field, [photo_uploads.as_file(found[upload_id]) for upload_id in ids])
    if errors:
        raise Problem(422, "invalid_request", _("Some fields are invalid."), errors=errors)
    return photos


@router.get("/jobs", response={200: JobPage, **problems(401, 403, 422)}, summary="List your jobs")
def list_jobs(
    request,
    kind: AnyKind | None = None,
    status: JobStatus | None = None,
    cursor: str | None = Query(None, pattern=CURSOR_PATTERN),
    limit: int = Query(20, ge=1, le=pagination.MAX_LIMIT),
):
    require_scope(request, "read")
    jobs = Job.objects.filter(user=request.auth.user, deleted_at=None)
    if kind:
        jobs = jobs.filter(kind=kind)
    if status:
        jobs = jobs.filter(status=status)
    rows, next_cursor = pagination.page(jobs.select_related("user"), cursor, limit)
    return {"data": [job_out(request, job) for job in rows], "next_cursor": next_cursor}


@router.get(
    "/jobs/{job_id}", response={200: JobOut, **problems(401, 403, 404, 422)}, summary="Get a job"
)
def get_job(request, job_id: int):
    require_scope(request, "read")
    return job_out(request, _get_job_for_user(request.auth.user, job_id), with_outputs=True)


@router.post(
    "/jobs/{job_id}/cancel",
    response={200: JobOut, **problems(401, 403, 404, 409, 422)},
    summary="Cancel a job (its points are returned)",
)
def cancel_job(request, job_id: int):
    require_scope(request, "create")
    job = _get_job_for_user(request.auth.user, job_id)
    if not services.cancel(job):
        job.refresh_from_db()
        if job.status != Job.Status.CANCELED:
            raise Problem(409, "job_not_cancelable", _("This job has already finished."))
    job.refresh_from_db()
    return job_out(request, job)


@router.delete(
    "/jobs/{job_id}",
    response={204: None, **problems(401, 403, 404, 409, 422)},
    summary="Delete a finished job and its files",
)
def delete_job(request, job_id: int):
    require_scope(request, "create")
    job = _get_job_for_user(request.auth.user, job_id)
    if job.status == Job.Status.REVIEW:
        detail = _("This job is under review; you can delete it afterwards.")
        raise Problem(409, "job_under_review", detail)
    if job.is_active:
        raise Problem(409, "job_active", _("Cancel the job before deleting it."))
    services.delete_work(job)
    return Status(204, None)
