"""Works people chose to show: share links, likes, reports, remixes and creator profiles.

Nothing here exists until an owner publishes a work (privacy by default). Counters on `Share`
move only through services.py, by conditional updates, so they equal the rows they count.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# What the feed and the profile pages may show: public, not hidden by reports.
LISTED = Q(visibility="public", hidden_at=None)


class Profile(models.Model):
    """A creator's public face: a handle for the profile address and the choice to stay
    anonymous. The display name is the account's (never its e-mail address)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("user"),
    )
    handle = models.SlugField(_("profile address"), max_length=40, unique=True)
    anonymous = models.BooleanField(
        _("stay anonymous"),
        default=False,
        help_text=_("Your works show no name and your profile page is not shown."),
    )

    class Meta:
        verbose_name = _("creator profile")
        verbose_name_plural = _("creator profiles")

    def __str__(self):
        return self.handle


class Share(models.Model):
    """One published work. The token is the only address of an unlisted work."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public: in explore and on my profile")
        UNLISTED = "unlisted", _("Unlisted: only people with the link")
        PRIVATE = "private", _("Private")

    # SET_NULL: the row outlives a removed job, so its old link answers 410 rather than 404.
    job = models.OneToOneField(
        "generation.Job",
        on_delete=models.SET_NULL,
        null=True,
        related_name="share",
        verbose_name=_("job"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    token = models.CharField(_("link token"), max_length=32, unique=True)
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices)
    show_prompt = models.BooleanField(_("show the prompt"), default=True)
    # Copied from the job when published: the feed filters on them with an index.
    kind = models.CharField(_("kind"), max_length=20)
    aspect_ratio = models.CharField(_("aspect ratio"), max_length=8, blank=True)
    published_at = models.DateTimeField(_("published"))
    like_count = models.PositiveIntegerField(_("likes"), default=0)
    remix_count = models.PositiveIntegerField(_("remixes"), default=0)
    report_count = models.PositiveIntegerField(_("reports"), default=0)
    # Trending order (services.hot_score): recency plus the log of likes and remixes.
    hot = models.FloatField(_("trending score"), default=0)
    # Set when reports passed the threshold.
    hidden_at = models.DateTimeField(_("hidden"), null=True, blank=True)
    # A staff pick.
    featured_at = models.DateTimeField(_("staff pick since"), null=True, blank=True)
    # Unpublished by staff: its owner cannot share it again.
    taken_down_at = models.DateTimeField(_("unpublished by staff"), null=True, blank=True)

    class Meta:
        verbose_name = _("shared work")
        verbose_name_plural = _("shared works")
        indexes = [
            models.Index(fields=["-published_at", "-id"], condition=LISTED, name="share_newest"),
            models.Index(
                fields=["kind", "-published_at", "-id"], condition=LISTED, name="share_kind_newest"
            ),
            models.Index(fields=["-hot", "-id"], condition=LISTED, name="share_trending"),
            models.Index(
                fields=["-featured_at", "-id"],
                condition=LISTED & Q(featured_at__isnull=False),
                name="share_picks",
            ),
            models.Index(fields=["user", "-published_at"], condition=LISTED, name="share_profile"),
            models.Index(fields=["report_count"], name="share_reports"),
        ]

    def __str__(self):
        return f"share {self.token} of job {self.job_id}"


class Like(models.Model):
    share = models.ForeignKey(
        Share, on_delete=models.CASCADE, related_name="likes", verbose_name=_("shared work")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("like")
        verbose_name_plural = _("likes")
        constraints = [models.UniqueConstraint(fields=["share", "user"], name="one_like_per_user")]

    def __str__(self):
        return f"like of {self.share_id} by {self.user_id}"


class Report(models.Model):
    class Reason(models.TextChoices):
        SEXUAL = "sexual", _("Sexual content")
        VIOLENCE = "violence", _("Violence or gore")
        HATE = "hate", _("Hate or harassment")
        REAL_PERSON = "real_person", _("Depicts a real person without consent")
        SPAM = "spam", _("Spam or misleading")
        OTHER = "other", _("Something else")

    share = models.ForeignKey(
        Share, on_delete=models.CASCADE, related_name="reports", verbose_name=_("shared work")
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("reported by"),
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    note = models.CharField(_("details (optional)"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["share", "reporter"], name="one_report_per_user")
        ]

    def __str__(self):
        return f"report of {self.share_id}: {self.reason}"


class Remix(models.Model):
    """A job made from a shared work's prompt: the remix's link back to its source."""

    source = models.ForeignKey(
        Share, on_delete=models.CASCADE, related_name="remixes", verbose_name=_("remixed work")
    )
    job = models.OneToOneField(
        "generation.Job", on_delete=models.CASCADE, related_name="remix", verbose_name=_("job")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("remix")
        verbose_name_plural = _("remixes")

    def __str__(self):
        return f"job {self.job_id} remixes {self.source_id}"
