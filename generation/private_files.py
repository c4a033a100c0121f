"""The one way a private file (a job's outputs and the inputs it was made from) is served, to
a person a view has already checked: its owner (generation/views.py) or a reviewer
(webapp/staff/views.py)."""

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.cache import patch_cache_control


def private_file(stored, content_type: str, **options):
    """A short-lived signed S3 URL, or the file streamed from local storage (404 if it is
    gone); private to the browser either way. `options` go to FileResponse."""
    if settings.S3_BUCKET:
        response = redirect(default_storage.url(stored.name))
    else:
        try:
            handle = stored.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(handle, content_type=content_type, **options)
    patch_cache_control(response, private=True)
    return response
