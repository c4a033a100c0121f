"""POST /api/v1/uploads: a photo sent ahead of its job, for image_to_video by id (and from a
JSON create, where no file can travel). The rules are in webapp/api/photo_uploads.py."""

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _
from ninja import Router, Status

from generation.models import MAX_ROW_ID
from generation.uploads import MAX_UPLOAD_BYTES
from webapp.api import photo_uploads
from webapp.api.auth import require_scope
from webapp.api.problems import Problem, problems
from webapp.api.schemas import UploadOut

router = Router(tags=["uploads"])
RAW_TYPES = ("image/jpeg", "image/png", "image/webp")
BINARY = {"type": "string", "format": "binary"}
UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {"type": "object", "properties": {"file": BINARY}, "required": ["file"]}
        },
        **{content_type: {"schema": BINARY} for content_type in RAW_TYPES},
    },
}


def _upload_out(request, photo) -> dict:
    return UploadOut(
        id=photo.pk,
        url=request.build_absolute_uri(f"/api/v1/uploads/{photo.pk}"),
        content_type="image/png",
        width=photo.width,
        height=photo.height,
        size_bytes=photo.size_bytes,
        created_at=photo.created_at,
        expires_at=photo.expires_at,
    ).model_dump(mode="json")


def _too_large() -> Problem:
    return Problem(413, "request_too_large", _("The photo is over 10 MB; the limit is 10 MB."))


def _sent_photo(request):
    """The photo in the request: a multipart `file`, or the whole body with its image type."""
    if request.content_type == "multipart/form-data":
        upload = request.FILES.get("file")
        if upload is None:
            errors = {"file": [_("Send the photo in a field named file.")]}
            raise Problem(422, "invalid_request", _("No photo was sent."), errors=errors)
        if upload.size > MAX_UPLOAD_BYTES:  # the request first, then the account's cap
            raise _too_large()
        return upload
    if request.content_type not in RAW_TYPES:
        raise Problem(
            415,
            "unsupported_media_type",
            _("Send the photo as multipart/form-data or as image/jpeg, image/png or image/webp."),
        )
    # Refused before reading: a body that says it is too large is never read.
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_UPLOAD_BYTES:
        raise _too_large()
    data = request.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise _too_large()
    return SimpleUploadedFile("photo", data, request.content_type)


def _get_upload_for_user(user, upload_id: int):
    photo = photo_uploads.get_for_user(user, upload_id) if 0 < upload_id <= MAX_ROW_ID else None
    if photo is None:
        raise Problem(404, "not_found", _("No such upload."))
    return photo


@router.post(
    "/uploads",
    response={201: UploadOut, **problems(400, 401, 403, 413, 415, 422, 429)},
    summary="Upload a photo for a job",
    description=(
        "The photo as the request body (`Content-Type: image/jpeg`, `image/png` or `image/webp`) "
        "or as the `file` field of a multipart form. It is checked as the create page checks a "
        "photo (JPEG, PNG or WebP, at most 10 MB and 25 megapixels, decodable) and kept, "
        "re-encoded, for 24 hours; name it in POST /jobs as `image_upload` or `end_image_upload`. "
        "Screening happens when a job uses it, as on the site. At most 50 live uploads per "
        "account (429 with Retry-After beyond)."
    ),
    openapi_extra={"requestBody": UPLOAD_BODY},
)
def create_upload(request):
    require_scope(request, "create")
    upload = _sent_photo(request)
    try:
        photo = photo_uploads.store(request.auth.user, upload)
    except photo_uploads.TooManyUploads as full:
        detail = _("You have %(n)d uploads waiting; use or delete some first.") % {
            "n": photo_uploads.MAX_LIVE_UPLOADS
        }
        wait = full.retry_after
        raise Problem(
            429, "too_many_uploads", detail, {"Retry-After": str(wait)}, retry_after=wait
        ) from None
    except ValidationError as exc:
        if exc.code == "too_large":
            raise _too_large() from None
        errors = {"file": exc.messages}
        raise Problem(422, "invalid_photo", exc.messages[0], errors=errors) from None
    return Status(201, _upload_out(request, photo))


@router.get(
    "/uploads/{upload_id}",
    response={200: UploadOut, **problems(401, 403, 404, 422)},
    summary="An upload",
)
def get_upload(request, upload_id: int):
    require_scope(request, "read")
    return _upload_out(request, _get_upload_for_user(request.auth.user, upload_id))


@router.delete(
    "/uploads/{upload_id}",
    response={204: None, **problems(401, 403, 404, 422)},
    summary="Delete an upload now (jobs made from it keep their copy)",
)
def delete_upload(request, upload_id: int):
    require_scope(request, "create")
    photo_uploads.delete(_get_upload_for_user(request.auth.user, upload_id))
    return Status(204, None)
