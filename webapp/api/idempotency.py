"""`Idempotency-Key` on POST: a retried request returns the first result and does the work once.

The key's row is inserted in the same transaction as the work. A concurrent duplicate's insert
waits on the unique index (user, key) until the first transaction ends: if it committed, the
duplicate reads and replays the stored result; if it rolled back (the request was refused
before anything was made: points short, rate limited, invalid), the duplicate runs as a new
request. So only results that made something are stored, and a retry after a refusal is tried
again, as Stripe's API does for requests that never started.
"""

import hashlib
import json
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from webapp.api.models import IdempotentRequest
from webapp.api.problems import Problem

MAX_KEY_LENGTH = 255
# As Stripe's: a key names one request for a day, then may be used again.
KEY_LIFETIME = timedelta(hours=24)


def fingerprint(method: str, path: str, data: dict, files: dict) -> str:
    """SHA-256 of what the request asks: method, path, fields, and each file's content."""
    digest = hashlib.sha256()
    digest.update(json.dumps([method, path, sorted(data.items())]).encode())
    for name in sorted(files):
        upload = files[name]
        file_hash = hashlib.sha256()
        for chunk in upload.chunks():
            file_hash.update(chunk)
        upload.seek(0)
        digest.update(f"{name}:{file_hash.hexdigest()}".encode())
    return digest.hexdigest()


def run_once(user, key: str | None, print_: str, work) -> tuple[int, dict, bool]:
    """Call `work()` → (status, body) once per (user, key); returns (status, body, replayed).
    Problems `work` raises propagate and store nothing."""
    if key is None:
        status, body = work()
        return status, body, False
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise Problem(422, "invalid_idempotency_key", _("Idempotency-Key: 1 to 255 characters."))
    stored = IdempotentRequest.objects.filter(user=user, key=key).first()
    if stored is not None and stored.created_at < timezone.now() - KEY_LIFETIME:
        # An expired key is free again; only this row is removed, and only once.
        IdempotentRequest.objects.filter(pk=stored.pk, created_at=stored.created_at).delete()
        stored = None
    if stored is None:
        try:
            with transaction.atomic():
                row = IdempotentRequest.objects.create(
                    user=user, key=key, fingerprint=print_, status_code=0, body={}
                )
                status, body = work()
                row.status_code, row.body = status, body
                row.save(update_fields=["status_code", "body"])
            return status, body, False
        except IntegrityError:  # a concurrent duplicate committed first
            stored = IdempotentRequest.objects.filter(user=user, key=key).first()
            if stored is None:  # the error was the work's own, not the key's
                raise
    if stored.fingerprint != print_:
        raise Problem(
            422,
            "idempotency_key_reused",
            _("This Idempotency-Key was used with a different request."),
        )
    return stored.status_code, stored.body, True
