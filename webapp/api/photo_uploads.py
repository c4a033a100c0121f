"""Photos sent ahead of a job (POST /api/v1/uploads): checked and re-encoded by the create
form's own `clean_photo`, kept for their owner's jobs to name by id, deleted when they expire.

Screening is not done here: a job that names an upload passes the photo through the create form
and `generation.services.submit` like any other, so a refusal is a rejected job with its category
that can be appealed once, exactly as on the site.
"""

from datetime import timedelta

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from generation.uploads import clean_photo
from webapp.api.models import PhotoUpload

# Long enough to upload, then create a job (or a few) from the same photo; a job keeps its copy.
UPLOAD_LIFETIME = timedelta(hours=24)
# Live uploads one account may hold: each can be 10 MB, and nothing is paid for them.
MAX_LIVE_UPLOADS = 50


class TooManyUploads(Exception):
    """MAX_LIVE_UPLOADS reached; `retry_after` is the seconds until the oldest expires."""

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(retry_after)


def live(user):
    return PhotoUpload.objects.filter(user=user, expires_at__gt=timezone.now())


def store(user, upload) -> PhotoUpload:
    """Check `upload` as the create form checks a photo and keep its re-encoded PNG.

    Raises ValidationError (code `too_large`, `not_an_image`, `too_many_pixels`, `corrupt`)
    and TooManyUploads; keeps nothing then."""
    now = timezone.now()
    # A soft cap: two uploads at the same moment may pass it by one, which costs nothing.
    if live(user).count() >= MAX_LIVE_UPLOADS:
        oldest = live(user).order_by("expires_at").first()
        raise TooManyUploads(int((oldest.expires_at - now).total_seconds()) + 1)
    png, image = clean_photo(upload)
    photo = PhotoUpload(
        user=user,
        width=image.width,
        height=image.height,
        size_bytes=png.size,
        expires_at=now + UPLOAD_LIFETIME,
    )
    photo.image.save("photo.png", png, save=False)
    try:
        photo.save()
    except BaseException:
        default_storage.delete(photo.image.name)
        raise
    return photo


def get_for_user(user, upload_id: int) -> PhotoUpload | None:
    """The one answer to "may this caller use this upload": its owner's, not expired."""
    return get_all_for_user(user, [upload_id]).get(upload_id)


def get_all_for_user(user, upload_ids: list[int]) -> dict[int, PhotoUpload]:
    """Those of `upload_ids` the caller may use (as get_for_user), by id, in one query."""
    return {photo.pk: photo for photo in live(user).filter(pk__in=upload_ids)}


def as_file(photo: PhotoUpload) -> SimpleUploadedFile:
    """The stored photo as the create form receives a file from a browser."""
    with photo.image.open("rb") as stored:
        return SimpleUploadedFile("photo.png", stored.read(), "image/png")


# Another user's, expired and never-made all read the same: ids reveal nothing.
UNKNOWN_UPLOAD = _lazy("No such upload of yours (uploads last 24 hours).")


def delete(photo: PhotoUpload) -> None:
    name = photo.image.name
    photo.delete()
    transaction.on_commit(lambda: default_storage.delete(name))


def delete_all(queryset) -> int:
    """Delete uploads' rows now and their files once the transaction commits."""
    names = list(queryset.values_list("image", flat=True))
    count = queryset.delete()[0]
    transaction.on_commit(lambda: [default_storage.delete(name) for name in names])
    return count


def purge_expired(now=None) -> int:
    return delete_all(PhotoUpload.objects.filter(expires_at__lte=now or timezone.now()))
