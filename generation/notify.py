"""Telling people their job has ended, since generations take minutes."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.translation import gettext as _

from generation.models import Job

log = logging.getLogger(__name__)


def job_finished(job: Job) -> None:
    """E-mail the owner that the job succeeded or failed (not for cancels: they did it)."""
    if job.status not in (Job.Status.SUCCEEDED, Job.Status.FAILED, Job.Status.REJECTED):
        return
    if not job.user.notify_job_finished:
        return
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
    body = body % {"id": job.pk, "link": link, "error": job.error_message}
    body += "\n\n" + _(
        "You get this e-mail because you asked to hear when a job ends. "
        "Stop these e-mails: %(link)s"
    ) % {"link": settings.SITE_URL + reverse("generation:notifications")}
    try:
        send_mail(f"[{settings.SITE_NAME}] {subject}", body, None, [job.user.email])
    except OSError:
        # A mail server hiccup must not fail a finished job.
        log.exception("could not e-mail job %s's owner", job.pk)


def appeal_accepted(job: Job) -> None:
    """E-mail the owner that their appeal was accepted and the job waits for them to run it."""
    if not job.user.notify_job_finished:
        return
    link = settings.SITE_URL + reverse("generation:job", args=[job.pk])
    subject = _("Your appeal for job #%(id)s was accepted") % {"id": job.pk}
    body = _(
        "Our team accepted your appeal. Nothing has been charged: the job runs when you choose "
        "to, for the price shown here:\n%(link)s"
    ) % {"link": link}
    try:
        send_mail(f"[{settings.SITE_NAME}] {subject}", body, None, [job.user.email])
    except OSError:
        log.exception("could not e-mail job %s's owner", job.pk)
