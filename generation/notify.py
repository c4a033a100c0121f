"""Telling people their job has ended, since generations take minutes.

The e-mails go out from a task on the default queue (`later`), never from the GPU worker or the
web request that ended the job: a slow or unreachable mail server (EMAIL_TIMEOUT) must not hold
either. The task retries with a growing delay when the server fails.
"""

import logging

from celery import current_app
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.translation import gettext as _

from generation.models import Job
from webapp.accounts.language import in_language_of
from webapp.stored_text import shown

log = logging.getLogger(__name__)
SEND_JOB_EMAIL = "generation.tasks.send_job_email"  # the task that calls send()


def later(job_id: int, what: str = "finished") -> None:
    """Queue the e-mail `what` ("finished" or "appeal_accepted") about the job. With the broker
    unreachable it is sent here and now instead, and a failure is only logged."""
    from kombu.exceptions import OperationalError

    try:
        current_app.tasks[SEND_JOB_EMAIL].delay(job_id, what)
    except OperationalError:
        try:
            send(job_id, what)
        except OSError:
            log.exception("could not e-mail the owner of job %s", job_id)


def send(job_id: int, what: str = "finished") -> bool:
    """Write and send the e-mail `what` about the job now; False when the job is gone (deleted
    meanwhile: the account was closed). The mail server's errors are raised."""
    job = Job.objects.select_related("user").filter(pk=job_id).first()
    if job is None:
        return False
    EMAILS[what](job)
    return True


EMAILS = {}  # what → the function that writes and sends it (filled below)


def job_finished(job: Job) -> None:
    """E-mail the owner that the job succeeded or failed (not for cancels: they did it)."""
    if job.status not in (Job.Status.SUCCEEDED, Job.Status.FAILED, Job.Status.REJECTED):
        return
    if not job.user.notify_job_finished:
        return
    with in_language_of(job.user):
        _job_finished(job)


def _job_finished(job: Job) -> None:
    link = settings.SITE_URL + reverse("generation:job", args=[job.pk])
    if job.status == Job.Status.SUCCEEDED:
        if job.kind == Job.Kind.TEXT_TO_PICTURE:
            subject = _("Your pictures are ready")
            body = _("Your job #%(id)s is done. See or download your pictures here:\n%(link)s")
        else:
            subject = _("Your video is ready")
            body = _("Your job #%(id)s is done. Watch or download it here:\n%(link)s")
    else:
        subject = _("Your job #%(id)s did not finish") % {"id": job.pk}
        body = _("%(error)s\n\nNothing was charged. Details: %(link)s")
    body = body % {"id": job.pk, "link": link, "error": shown(job.error_message)}
    body += "\n\n" + _(
        "You get this e-mail because you asked to hear when a job ends. "
        "Stop these e-mails: %(link)s"
    ) % {"link": settings.SITE_URL + reverse("generation:notifications")}
    send_mail(f"[{settings.SITE_NAME}] {subject}", body, None, [job.user.email])


def appeal_accepted(job: Job) -> None:
    """E-mail the owner that their appeal was accepted and the job waits for them to run it."""
    if not job.user.notify_job_finished:
        return
    with in_language_of(job.user):
        _appeal_accepted(job)


def _appeal_accepted(job: Job) -> None:
    link = settings.SITE_URL + reverse("generation:job", args=[job.pk])
    subject = _("Your appeal for job #%(id)s was accepted") % {"id": job.pk}
    body = _(
        "Our team accepted your appeal. Nothing has been charged: the job runs when you choose "
        "to, for the price shown here:\n%(link)s"
    ) % {"link": link}
    send_mail(f"[{settings.SITE_NAME}] {subject}", body, None, [job.user.email])


EMAILS.update(finished=job_finished, appeal_accepted=appeal_accepted)
