"""Uploaded photos: checked, decoded in full, and re-encoded so nothing but pixels is kept."""

import io
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UPLOAD_PIXELS = 25_000_000
# MPO: a camera JPEG with MPF data (more frames after the first); only the first is kept.
ALLOWED_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WebP"}


def clean_photo(upload) -> tuple[ContentFile, Image.Image]:
    """Validate an uploaded photo and return it re-encoded as PNG, plus the decoded RGB image.

    Refuses, with a message a person understands: files over 10 MB, anything that is not a
    JPEG/PNG/WebP picture (whatever its name says), pictures over 25 megapixels (checked from
    the header, before decoding), and truncated or corrupt files. A camera's MPO (a JPEG with
    more frames in its MPF data) gives its first frame. EXIF (location, camera) is dropped; the
    EXIF orientation is applied first so the photo stays upright.
    """
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The photo is %(size)s MB; the limit is 10 MB."),
            params={"size": f"{upload.size / 1024 / 1024:.1f}"},
            code="too_large",
        )
    upload.seek(0)
    data = upload.read()
    too_many_pixels = ValidationError(
        _("The photo has more than 25 megapixels; please upload a smaller one."),
        code="too_many_pixels",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels from None
    except (UnidentifiedImageError, OSError):
        image = None
    if image is None or image.format not in ALLOWED_FORMATS:
        raise ValidationError(
            _("This file is not a JPEG, PNG or WebP picture."), code="not_an_image"
        )
    width, height = image.size
    if width * height > MAX_UPLOAD_PIXELS:
        raise too_many_pixels
    try:
        image.seek(0)  # a multi-frame picture (MPO): its first frame
        image.load()
    except (OSError, SyntaxError):
        raise ValidationError(
            _("The photo is damaged or incomplete; please upload it again."), code="corrupt"
        ) from None
    image = ImageOps.exif_transpose(image).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return ContentFile(out.getvalue(), name="photo.png"), image
