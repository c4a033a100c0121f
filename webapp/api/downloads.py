"""Download addresses for a job's outputs: the variant the owner's plan allows now
(Asset.file_for), behind a short-lived URL. On S3 that is the storage's own signed URL; on
local storage, a URL to this API signed with django.core.signing that names the asset and
its owner, checked again when it is fetched."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from generation.models import Asset, Job
from webapp.api.problems import Problem

SALT = "api.download"


def url_for(request, asset: Asset, user) -> tuple[str, object, bool]:
    """(absolute URL, expiry time, watermarked) of the file `user` gets for `asset`."""
    stored = asset.file_for(user)
    watermarked = bool(asset.marked_file) and stored.name == asset.marked_file.name
    expires = timezone.now() + timedelta(seconds=settings.API_DOWNLOAD_URL_SECONDS)
    if settings.S3_BUCKET:
        return default_storage.url(stored.name), expires, watermarked
    token = signing.dumps({"a": asset.pk, "u": user.pk}, salt=SALT, compress=True)
    path = reverse("api-v1:download", kwargs={"token": token})
    return request.build_absolute_uri(path), expires, watermarked


def serve(token: str):
    """The file a signed local URL names, if the link is fresh and its owner still owns it."""
    try:
        claims = signing.loads(token, salt=SALT, max_age=settings.API_DOWNLOAD_URL_SECONDS)
    except signing.SignatureExpired:
        raise Problem(403, "link_expired", _("This download link has expired.")) from None
    except signing.BadSignature:
        raise Problem(404, "not_found", _("No such file.")) from None
    asset = (
        Asset.objects.select_related("job__user")
        .filter(
            pk=claims.get("a"),
            job__user_id=claims.get("u"),
            job__deleted_at=None,
            job__status=Job.Status.SUCCEEDED,
            job__user__is_active=True,
            job__user__deleted_at=None,
        )
        .first()
    )
    if asset is None:
        raise Problem(404, "not_found", _("No such file."))
    stored = asset.file_for(asset.job.user)
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Problem(404, "not_found", _("No such file.")) from None
    response = FileResponse(
        handle, content_type=asset.content_type, filename=asset.file.name.rsplit("/", 1)[-1]
    )
    patch_cache_control(response, private=True, no_cache=True)
    return response
