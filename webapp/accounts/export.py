"""A user's data export: one ZIP of their profile, jobs with prompts and options, uploaded
photos, outputs, ledger and payments, built in the background (a Celery task on the default
queue) and offered through a link e-mailed to them, for EXPORT_VALID_DAYS.

The outputs are the files the owner may download today (file_for: the clean master with "no
watermark", else the marked variant), the same as the site serves them.
"""

import csv
import io
import json
import logging
import secrets
import shutil
import tempfile
import zipfile
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from webapp.accounts.language import in_language_of
from webapp.accounts.models import DataExport, User

log = logging.getLogger(__name__)
BUILD_DATA_EXPORT = "webapp.accounts.tasks.build_data_export"  # by name: that module imports this

EXPORT_VALID_DAYS = 7
README = """Your data from {site}, exported {when} (UTC).

profile.json        your account, memberships, subscriptions, API tokens and webhooks
jobs.json           every job you submitted: kind, status, prompt, options, price, times
ledger.csv          every movement of your points
payments.csv        every payment and refund
works/<job>/        the files each job made, as you may download them today
uploads/<job>/      the photos you uploaded for a job
"""


def request_export(user) -> tuple[DataExport, bool]:
    """Start an export, or return the one already being prepared. (export, created)."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one request at a time
        pending = DataExport.objects.filter(user=user, status=DataExport.Status.PENDING).first()
        if pending is not None:
            return pending, False
        made = DataExport.objects.create(user=user, token=secrets.token_urlsafe(32))
        transaction.on_commit(lambda: _send(made))
    return made, True


def _send(made: DataExport) -> None:
    try:
        current_app.tasks[BUILD_DATA_EXPORT].delay(made.pk)
    except OperationalError:  # the broker is down: say so on the page rather than wait forever
        log.exception("could not queue data export %s", made.pk)
        DataExport.objects.filter(pk=made.pk).update(
            status=DataExport.Status.FAILED, finished_at=timezone.now()
        )


def build(export_id: int) -> bool:
    """Write the ZIP, store it, mark the export ready and e-mail the link. Idempotent: an
    export that is no longer pending is left alone."""
    made = (
        DataExport.objects.select_related("user")
        .filter(pk=export_id, status=DataExport.Status.PENDING)
        .first()
    )
    if made is None:
        return False
    user = made.user
    try:
        with tempfile.TemporaryFile() as spool:
            with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as archive:
                _write_archive(archive, user)
            spool.seek(0, io.SEEK_END)
            size = spool.tell()
            spool.seek(0)
            name = default_storage.save(f"exports/{made.token}.zip", File(spool))
    except Exception:
        log.exception("data export %s failed", made.pk)
        DataExport.objects.filter(pk=made.pk).update(
            status=DataExport.Status.FAILED, finished_at=timezone.now()
        )
        return False
    now = timezone.now()
    changed = DataExport.objects.filter(pk=made.pk, status=DataExport.Status.PENDING).update(
        status=DataExport.Status.READY,
        file=name,
        size=size,
        finished_at=now,
        expires_at=now + timedelta(days=EXPORT_VALID_DAYS),
    )
    if not changed:  # the account was deleted meanwhile
        default_storage.delete(name)
        return False
    _mail_link(made, user)
    return True


def _mail_link(made: DataExport, user) -> None:
    with in_language_of(user):
        _write_and_send_link(made, user)


def _write_and_send_link(made: DataExport, user) -> None:
    link = settings.SITE_URL + reverse("accounts:export_download", args=[made.token])
    body = _(
        "The copy of your data you asked for is ready. Download it here (you will be asked to "
        "log in):\n%(link)s\n\nThe link works for %(days)d days. If you did not ask for this, "
        "change your password."
    ) % {"link": link, "days": EXPORT_VALID_DAYS}
    try:
        send_mail(f"[{settings.SITE_NAME}] " + _("Your data is ready"), body, None, [user.email])
    except OSError:
        log.exception("could not e-mail data export %s", made.pk)


def _write_archive(archive: zipfile.ZipFile, user) -> None:
    from billing.models import Entry, Membership, Payment, Subscription
    from generation.models import Job

    now = timezone.now()
    archive.writestr("README.txt", README.format(site=settings.SITE_NAME, when=now.isoformat()))
    profile = {
        "email": user.email,
        "display_name": user.display_name,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "notify_job_finished": user.notify_job_finished,
        "email_addresses": list(user.emailaddress_set.values("email", "verified", "primary")),
        "memberships": list(
            Membership.objects.filter(user=user).values(
                "tier__code", "period", "status", "starts_at", "ends_at"
            )
        ),
        "subscriptions": list(
            Subscription.objects.filter(user=user).values(
                "provider", "plan__tier__code", "plan__period", "status", "created_at", "ended_at"
            )
        ),
    }
    from webapp.api.models import AccessToken, WebhookEndpoint

    # Tokens by name and prefix only: the secrets are not kept (and must never leave).
    profile["api_tokens"] = list(
        AccessToken.objects.filter(user=user).values(
            "name", "prefix", "scopes", "created_at", "expires_at", "last_used_at", "revoked_at"
        )
    )
    profile["webhook_endpoints"] = list(
        WebhookEndpoint.objects.filter(user=user).values("url", "events", "created_at")
    )
    archive.writestr("profile.json", _json(profile))
    jobs = []
    jobs_with_files = Job.objects.filter(user=user).prefetch_related("assets", "references")
    for job in jobs_with_files.order_by("pk"):
        files = []
        for asset in job.assets.all():
            stored = asset.file_for(user)
            name = f"works/{job.pk}/{stored.name.rsplit('/', 1)[-1]}"
            if _copy(archive, stored.name, name):
                files.append(name)
        uploads = (("start", job.input_image), ("end", job.end_image), ("second", job.second_image))
        for which, stored in uploads:
            name = f"uploads/{job.pk}/{which}.png"
            if stored and _copy(archive, stored.name, name):
                files.append(name)
        if job.input_video and _copy(archive, job.input_video.name, f"uploads/{job.pk}/clip.mp4"):
            files.append(f"uploads/{job.pk}/clip.mp4")
        for reference in job.references.all():
            name = f"uploads/{job.pk}/reference-{reference.position}.png"
            if _copy(archive, reference.image.name, name):
                files.append(name)
        jobs.append(
            {
                "id": job.pk,
                "kind": job.kind,
                "status": job.status,
                "prompt": job.prompt,
                "negative_prompt": job.negative_prompt,
                "options": job.params,
                "model": job.model_spec,
                "points_held_tenths": job.points_held,
                "message": job.error_message,
                "created_at": job.created_at,
                "finished_at": job.finished_at,
                "deleted_at": job.deleted_at,
                "files": files,
            }
        )
    archive.writestr("jobs.json", _json(jobs))
    archive.writestr(
        "ledger.csv",
        _csv(
            ["when", "kind", "amount_tenths", "balance_after_tenths", "ref", "reason"],
            Entry.objects.filter(wallet__user=user)
            .order_by("pk")
            .values_list("created_at", "kind", "amount", "balance_after", "ref", "reason"),
        ),
    )
    archive.writestr(
        "payments.csv",
        _csv(
            ["paid_at", "what", "amount_cents", "currency", "refunded_cents", "provider", "ref"],
            Payment.objects.filter(user=user)
            .order_by("pk")
            .values_list(
                "paid_at",
                "description",
                "amount",
                "currency",
                "amount_refunded",
                "provider",
                "ref",
            ),
        ),
    )


def _copy(archive: zipfile.ZipFile, stored_name: str, name: str) -> bool:
    try:
        with default_storage.open(stored_name, "rb") as source, archive.open(name, "w") as target:
            shutil.copyfileobj(source, target, 1024 * 1024)
    except FileNotFoundError:
        log.warning("data export: %s is missing from storage", stored_name)
        return False
    return True


def _json(data) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def _csv(header: list[str], rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def remove_exports(user) -> int:
    """Delete every export of the user, files once the transaction commits."""
    exports = DataExport.objects.filter(user=user)
    names = [e.file.name for e in exports if e.file]
    count = exports.count()
    exports.delete()
    transaction.on_commit(lambda: [default_storage.delete(name) for name in names])
    return count


def remove_expired(now=None) -> int:
    """Delete exports past their expiry (beat runs this hourly)."""
    now = now or timezone.now()
    expired = DataExport.objects.filter(expires_at__lte=now)
    names = [e.file.name for e in expired if e.file]
    count = expired.count()
    expired.delete()
    for name in names:
        default_storage.delete(name)
    return count
