"""Staff decisions on the review queue, and users' appeals.

Guarantees:
- Each decision is taken once: a flag moves pending → approved/rejected with a conditional
  update, so a double click or two staff members at once decide once (the second call returns
  False and changes nothing).
- Points follow the decision: a job held before running keeps its hold while it runs after an
  approval; held outputs capture on approval; any rejection releases the hold and removes the
  outputs. An accepted appeal charges nothing by itself: the job stays refused until its owner,
  shown the price, chooses to run it (`run_accepted_appeal`), which holds the price anew (the
  first hold, if any, was released) and queues it.
- Callers (the staff panel) write the audit rows; these functions do not.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from generation import notify, services
from generation.models import Job
from generation.moderation.models import Flag

APPEAL_MAX_LENGTH = 500


class AppealRefused(Exception):
    """The appeal cannot be made; str(exc) says why, for the user."""


def _decide(flag: Flag, status: str, staff, note: str) -> bool:
    now = timezone.now()
    changed = Flag.objects.filter(pk=flag.pk, status=Flag.Status.PENDING).update(
        status=status, decided_by=staff, decided_at=now, decision_note=note
    )
    if changed:
        flag.status, flag.decided_by, flag.decided_at, flag.decision_note = (
            status,
            staff,
            now,
            note,
        )
    return bool(changed)


def _notify_on_commit(job_id: int) -> None:
    transaction.on_commit(lambda: notify.later(job_id))


def approve(flag: Flag, staff, note: str = "") -> bool:
    """Approve a pending flag. Prompt or photo: the job is queued to run. Output: the outputs are
    shown and the points captured. Appeal: the job is queued again with its points held anew.
    Returns False (changing nothing) if the flag was already decided."""
    with transaction.atomic():
        if not _decide(flag, Flag.Status.APPROVED, staff, note):
            return False
        if flag.kind in (Flag.Kind.PROMPT, Flag.Kind.UPLOAD):
            services.run_after_review(flag.job_id)
        elif flag.kind == Flag.Kind.OUTPUT:
            if services.publish_after_review(flag.job_id):
                _notify_on_commit(flag.job_id)
        elif flag.kind == Flag.Kind.APPEAL:
            _accept_appeal(flag)
    return True


def _accept_appeal(flag: Flag) -> None:
    """The job may run now, but only its owner decides to spend the points on it."""
    accepted = Job.objects.filter(pk=flag.job_id, status=Job.Status.REJECTED, deleted_at=None)
    if accepted.update(
        error_message=_(
            "Your appeal was accepted: this job may run. Nothing is charged until you run it."
        )
    ):
        job_id = flag.job_id
        transaction.on_commit(lambda: notify.later(job_id, "appeal_accepted"))


def appeal_accepted(job: Job) -> bool:
    """A refused job whose appeal staff accepted, waiting for its owner to run it."""
    return (
        job.status == Job.Status.REJECTED
        and job.deleted_at is None
        and job.flags.filter(kind=Flag.Kind.APPEAL, status=Flag.Status.APPROVED).exists()
    )


def run_accepted_appeal(job: Job, user) -> bool:
    """The owner, shown the price, runs a job whose appeal was accepted: its price is held anew
    and it is queued. False (nothing changed) when the job is not theirs or not waiting to run;
    raises ledger.NotEnoughPoints, holding nothing, when they cannot pay."""
    if job.user_id != user.pk or not appeal_accepted(job):
        return False
    with transaction.atomic():
        return services.run_after_appeal(job.pk)


def reject(flag: Flag, staff, reason: str) -> bool:
    """Reject a pending flag, telling the user `reason`. Prompt, photo or output: the job is
    rejected, its points released and any outputs removed. Appeal: the refusal stands.
    Returns False (changing nothing) if the flag was already decided."""
    reason = reason.strip()
    with transaction.atomic():
        if not _decide(flag, Flag.Status.REJECTED, staff, reason):
            return False
        if flag.kind == Flag.Kind.APPEAL:
            Job.objects.filter(pk=flag.job_id, status=Job.Status.REJECTED).update(
                error_message=_("Your appeal was reviewed and the refusal stands: %(reason)s")
                % {"reason": reason}
            )
        else:
            message = _(
                "Rejected by our moderators: %(reason)s Your points were refunded. "
                "If you think this is a mistake, you can appeal once."
            ) % {"reason": reason}
            if services.reject_after_review(flag.job_id, message):
                _notify_on_commit(flag.job_id)
    return True


def can_appeal(job: Job) -> bool:
    """A refused or rejected job whose owner has not appealed yet."""
    return (
        job.status == Job.Status.REJECTED
        and job.deleted_at is None
        and job.flags.filter(status=Flag.Status.REJECTED).exclude(kind=Flag.Kind.APPEAL).exists()
        and not job.flags.filter(kind=Flag.Kind.APPEAL).exists()
    )


def appeal(job: Job, user, message: str) -> Flag:
    """The owner appeals a refusal, once per job, with a short message; the appeal joins the
    review queue. Raises AppealRefused, creating nothing, for someone else's job, a job that was
    not refused by moderation, a second appeal, or an empty or over-long message."""
    message = (message or "").strip()
    if job.user_id != user.pk:
        raise AppealRefused(_("You can only appeal your own jobs."))
    if not message:
        raise AppealRefused(_("Tell us in a few words why this should be allowed."))
    if len(message) > APPEAL_MAX_LENGTH:
        raise AppealRefused(
            _("Please keep the appeal under %(n)d characters.") % {"n": APPEAL_MAX_LENGTH}
        )
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if locked.flags.filter(kind=Flag.Kind.APPEAL).exists():
            raise AppealRefused(_("This job was already appealed; a refusal is appealed once."))
        refusal = (
            locked.flags.filter(status=Flag.Status.REJECTED)
            .exclude(kind=Flag.Kind.APPEAL)
            .order_by("-created_at")
            .first()
        )
        if locked.status != Job.Status.REJECTED or locked.deleted_at or refusal is None:
            raise AppealRefused(_("Only a job refused by moderation can be appealed."))
        return Flag.objects.create(
            job=locked,
            user=user,
            kind=Flag.Kind.APPEAL,
            field=refusal.field,
            layer=refusal.layer,
            category=refusal.category,
            rule=refusal.rule,
            score=refusal.score,
            message=message,
        )
