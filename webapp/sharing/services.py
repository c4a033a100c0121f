"""The rules of sharing: who may publish what, likes and reports counted by conditional updates,
staff decisions with their audit rows, and remixes.

Guarantees:
- Nothing is shown unless its owner published it, and only a finished work whose outputs passed
  screening, with a prompt that passes today's rules.
- A share stops being shown the moment its job or its owner's account is deleted (410 Gone).
- One like and one report per user and work; each counter moves in the same transaction as the
  row it counts, so it equals the number of rows.
- Every staff decision writes its audit row in the transaction that makes it.
"""

import math
import secrets
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, FloatField, Value
from django.db.models.functions import Cast, Greatest, Log
from django.utils import timezone
from django.utils.translation import gettext as _

from generation.models import Job
from generation.moderation import screening
from generation.moderation.models import Flag
from generation.services import from_uploads
from webapp.ratelimit import count_in_window
from webapp.sharing.models import Like, Profile, Remix, Report, Share
from webapp.staff import audit

LIKES_PER_MINUTE = 30
REPORTS_PER_HOUR = 20
# Trending: each tenfold in likes + 2 × remixes is worth 12.5 hours of recency (Reddit's "hot"
# order). The score of a work only changes when it is liked or remixed, so it is an indexed
# column, not a per-request computation over every work.
HOT_SECONDS_PER_DECADE = 45_000
REMIX_WEIGHT = 2


class SharingRefused(Exception):
    """Refused before anything changed; str(exc) is shown to the user."""


class Gone(Exception):
    """The work was shared once and is deleted now (its link answers 410)."""


# --- profiles -------------------------------------------------------------------------------


def profile_for(user) -> Profile:
    """The user's profile, made on first need. Its handle is random, not made from their name:
    nothing personal stays in old links or in the row once the account is deleted."""
    try:
        return user.profile
    except Profile.DoesNotExist:
        pass
    for _attempt in range(5):
        handle = f"creator-{secrets.token_hex(5)}"
        try:
            with transaction.atomic():
                return Profile.objects.create(user=user, handle=handle)
        except IntegrityError:
            if Profile.objects.filter(user=user).exists():
                return Profile.objects.get(user=user)
    raise RuntimeError("no free profile handle")


def creator_name(user) -> str:
    """What a work's page calls its creator: the display name, never the e-mail address."""
    profile = getattr(user, "profile", None)
    if profile is not None and profile.anonymous:
        return _("Anonymous creator")
    return user.display_name or (profile.handle if profile else _("A creator"))


def update_profile(user, display_name: str, anonymous: bool) -> Profile:
    profile = profile_for(user)
    user.display_name = display_name.strip()
    user.save(update_fields=["display_name"])
    Profile.objects.filter(pk=profile.pk).update(anonymous=anonymous)
    profile.anonymous = anonymous
    return profile


# --- publishing -----------------------------------------------------------------------------


def hot_score(published_at, weight: int) -> float:
    return math.log10(max(weight, 1)) + published_at.timestamp() / HOT_SECONDS_PER_DECADE


def _hot_after(share: Share, likes_delta: int = 0, remixes_delta: int = 0):
    """The UPDATE expression of the new trending score, from the row's counts as it changes."""
    weight = Cast(
        F("like_count") + likes_delta + REMIX_WEIGHT * (F("remix_count") + remixes_delta),
        FloatField(),
    )
    base = share.published_at.timestamp() / HOT_SECONDS_PER_DECADE
    return Log(Value(10.0), Greatest(weight, Value(1.0))) + Value(base)


def publish(job: Job, user, visibility: str, show_prompt: bool = True) -> Share:
    """Make the owner's finished work public or unlisted. Refused for someone else's work, a
    work that did not succeed (outputs held or rejected by screening are not shown), a deleted
    one, or a prompt today's screening would refuse or hold. Publishing a work that was made
    private again gives it a new link, so a link once withdrawn stays dead."""
    if visibility not in (Share.Visibility.PUBLIC, Share.Visibility.UNLISTED):
        raise SharingRefused(_("Choose public or unlisted."))
    if job.user_id != user.pk or job.deleted_at is not None:
        raise SharingRefused(_("You can only share your own works."))
    if job.status != Job.Status.SUCCEEDED:
        raise SharingRefused(_("Only a finished work can be shared."))
    if job.flags.filter(status=Flag.Status.PENDING).exists():
        raise SharingRefused(_("This work is under review and cannot be shared yet."))
    if screening.screen_prompt(job.prompt, job.negative_prompt, from_uploads(job)) is not None:
        raise SharingRefused(
            _("This prompt does not meet our current rules, so the work cannot be shared.")
        )
    profile_for(user)
    with transaction.atomic():
        share = Share.objects.select_for_update().filter(job=job).first()
        if share is None:
            now = timezone.now()
            share = Share(
                job=job,
                user=user,
                token=secrets.token_urlsafe(16),
                kind=job.kind,
                aspect_ratio=str(job.params.get("aspect_ratio") or "")[:8],
                published_at=now,
                hot=hot_score(now, 0),
            )
        elif share.taken_down_at is not None:
            raise SharingRefused(_("Our moderators removed this work; it cannot be shared again."))
        elif share.visibility == Share.Visibility.PRIVATE:
            share.token = secrets.token_urlsafe(16)
        share.visibility = visibility
        share.show_prompt = show_prompt
        share.save()
    return share


def unpublish(share: Share) -> bool:
    """The owner takes the work back: its link and listings stop at once."""
    return bool(
        Share.objects.filter(pk=share.pk)
        .exclude(visibility=Share.Visibility.PRIVATE)
        .update(visibility=Share.Visibility.PRIVATE)
    )


def shown_share(token: str) -> Share:
    """The share a link names, if it may be shown: raises Share.DoesNotExist when there is no
    such link, or it was withdrawn or hidden; Gone when its work or account was deleted."""
    share = Share.objects.select_related("job", "job__remix__source", "user", "user__profile").get(
        token=token
    )
    job, owner = share.job, share.user
    if job is None or job.deleted_at is not None or owner.deleted_at or not owner.is_active:
        raise Gone
    if share.visibility == Share.Visibility.PRIVATE or share.hidden_at is not None:
        raise Share.DoesNotExist
    return share


def served_file(share: Share, asset):
    """The variant of an output the creator's plan allows now: a free creator's clip keeps its
    visible watermark wherever it is shown."""
    return asset.file_for(share.user)


# --- likes and reports ----------------------------------------------------------------------


def _limited(name: str, user, per: int, period: int) -> None:
    count, _window = count_in_window(f"sharing:{name}:{user.pk}", period, time.time())
    if count > per:
        raise SharingRefused(_("Too many at once. Try again in a minute."))


def like(share: Share, user) -> bool:
    """One like per user: True when this call added it, False for a repeat."""
    _limited("like", user, LIKES_PER_MINUTE, 60)
    try:
        with transaction.atomic():
            Like.objects.create(share=share, user=user)
            Share.objects.filter(pk=share.pk).update(
                like_count=F("like_count") + 1, hot=_hot_after(share, likes_delta=1)
            )
    except IntegrityError:
        return False
    return True


def unlike(share: Share, user) -> bool:
    _limited("like", user, LIKES_PER_MINUTE, 60)
    with transaction.atomic():
        removed, _kinds = Like.objects.filter(share=share, user=user).delete()
        if removed:
            Share.objects.filter(pk=share.pk, like_count__gt=0).update(
                like_count=F("like_count") - 1, hot=_hot_after(share, likes_delta=-1)
            )
    return bool(removed)


def liked(shares, user) -> set[int]:
    """Which of these shares the user likes, in one query."""
    if not user.is_authenticated:
        return set()
    ids = [s.pk for s in shares]
    return set(Like.objects.filter(user=user, share_id__in=ids).values_list("share_id", flat=True))


def report(share: Share, user, reason: str, note: str = "") -> bool:
    """Anyone signed in reports a work once, with a reason. At the threshold the work is hidden
    until staff decide. True when this report was new."""
    if reason not in Report.Reason.values:
        raise SharingRefused(_("Choose a reason."))
    _limited("report", user, REPORTS_PER_HOUR, 3600)
    try:
        with transaction.atomic():
            Report.objects.create(share=share, reporter=user, reason=reason, note=note[:500])
            Share.objects.filter(pk=share.pk).update(report_count=F("report_count") + 1)
            Share.objects.filter(
                pk=share.pk,
                hidden_at=None,
                report_count__gte=settings.SHARE_REPORT_THRESHOLD,
            ).update(hidden_at=timezone.now())
    except IntegrityError:
        return False
    return True


# --- staff decisions ------------------------------------------------------------------------


def _staff_change(share: Share, staff, action: str, reason: str, **changes) -> bool:
    reason = (reason or "").strip()
    if not reason:
        raise SharingRefused(_("A reason is required."))
    with transaction.atomic():
        locked = Share.objects.select_for_update().get(pk=share.pk)
        if all(_same(getattr(locked, name), value, name) for name, value in changes.items()):
            return False
        Share.objects.filter(pk=share.pk).update(**changes)
        audit.record(
            staff,
            action,
            locked,
            reason,
            subject_user=locked.user,
            token=locked.token,
            job=locked.job_id,
            reports=locked.report_count,
        )
    for name, value in changes.items():
        setattr(share, name, value)
    return True


def _same(current, wanted, name: str) -> bool:
    # A moment ("…_at") is already what the decision wants when both are set or both unset:
    # featuring a staff pick again changes nothing and writes no second audit row.
    if name.endswith("_at"):
        return (current is None) == (wanted is None)
    return current == wanted


def restore(share: Share, staff, reason: str) -> bool:
    """Staff find a hidden work fine: shown again, and its reports so far are settled (counting
    starts again from zero)."""
    return _staff_change(
        share, staff, audit.Action.RESTORE_WORK, reason, hidden_at=None, report_count=0
    )


def take_down(share: Share, staff, reason: str) -> bool:
    """Staff unpublish a work: private, and its owner cannot share it again."""
    return _staff_change(
        share,
        staff,
        audit.Action.UNPUBLISH_WORK,
        reason,
        visibility=Share.Visibility.PRIVATE,
        taken_down_at=timezone.now(),
    )


def feature(share: Share, staff, reason: str, on: bool = True) -> bool:
    """A staff pick (or no longer one)."""
    action = audit.Action.FEATURE_WORK if on else audit.Action.UNFEATURE_WORK
    return _staff_change(share, staff, action, reason, featured_at=timezone.now() if on else None)


# --- remixes --------------------------------------------------------------------------------


def remix_initial(token: str, with_seed: bool) -> dict:
    """The create form's starting values for a remix of a shared work: its kind, prompt and
    options, the seed only when asked, and never its photos (an image-to-video remix asks for
    the remixer's own). Empty when the link is not shown or its prompt is hidden."""
    try:
        share = shown_share(token)
    except (Share.DoesNotExist, Gone):
        return {}
    if not share.show_prompt:
        return {}
    job = share.job
    params = {k: v for k, v in job.params.items() if v is not None and k != "seed"}
    if with_seed and job.params.get("seed") is not None:
        params["seed"] = job.params["seed"]
    kind = Job.Kind.TEXT_TO_VIDEO if job.kind == Job.Kind.EXTEND else job.kind
    return {
        "kind": kind,
        "prompt": job.prompt,
        "negative_prompt": job.negative_prompt,
        **params,
        "remix_of": share.token,
    }


def record_remix(job: Job, token: str) -> bool:
    """Link a newly submitted job to the shared work it remixes and count it there."""
    if not token:
        return False
    try:
        share = shown_share(token)
    except (Share.DoesNotExist, Gone):
        return False
    try:
        with transaction.atomic():
            Remix.objects.create(source=share, job=job)
            Share.objects.filter(pk=share.pk).update(
                remix_count=F("remix_count") + 1, hot=_hot_after(share, remixes_delta=1)
            )
    except IntegrityError:
        return False
    return True
