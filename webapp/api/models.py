"""Personal access tokens for the REST API, and the remembered results of idempotent POSTs.

A token's secret is shown once, when it is made; only its SHA-256 is stored. Its public prefix
(`lj_pat_` and an id part) is kept in clear so a leaked token is recognisable in logs and in a
secret scanner, and so its owner can tell their tokens apart.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessToken(models.Model):
    class Scope(models.TextChoices):
        READ = "read", _("Read jobs, outputs, models and prices")
        CREATE = "create", _("Create, cancel and delete jobs (spends points)")
        BILLING_READ = "billing:read", _("Read the points balance and history")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="access_tokens",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=80)
    # "lj_pat_" + 8 characters: the part of the token that may be shown again.
    prefix = models.CharField(_("prefix"), max_length=20, unique=True, editable=False)
    hashed = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")

    def __str__(self):
        return f"{self.prefix}… ({self.name})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and not self.is_expired


class IdempotentRequest(models.Model):
    """The first result of a POST sent with an `Idempotency-Key`, per user and key.

    The row is inserted in the same transaction as the work it guards, so a concurrent duplicate
    waits on the unique index and then reads the stored result instead of doing the work again.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    key = models.CharField(_("idempotency key"), max_length=255)
    # SHA-256 of the method, path and body: the same key with another request is refused.
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"))
    body = models.JSONField(_("response body"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("stored API answer")
        verbose_name_plural = _("stored API answers")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="api_idempotency_user_key")
        ]

    def __str__(self):
        return f"{self.key} of user {self.user_id} ({self.status_code})"


class WebhookEndpoint(models.Model):
    """A URL of the user's that receives signed events (webapp/api/webhooks.py)."""

    class Event(models.TextChoices):
        JOB_SUCCEEDED = "job.succeeded", _("A job succeeded")
        JOB_FAILED = "job.failed", _("A job failed (its points were returned)")
        JOB_REFUSED = "job.refused", _("Moderation refused a job")
        POINTS_LOW = "points.low", _("Your balance fell below the price of a video")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        verbose_name=_("owner"),
    )
    url = models.URLField(_("URL"), max_length=500)
    # Space-separated event types ("job.succeeded points.low"): a plain text match finds the
    # endpoints of a type on every database.
    events = models.CharField(_("events"), max_length=200)
    # Signs every delivery (HMAC-SHA256); shown to its owner, who needs it to verify.
    secret = models.CharField(_("signing secret"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.url

    @property
    def event_list(self) -> list[str]:
        return self.events.split()


class WebhookEvent(models.Model):
    """Something that happened, once: `key` keeps a sweep that runs twice from making two."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    type = models.CharField(_("event type"), max_length=30)
    key = models.CharField(_("event key"), max_length=100, unique=True)
    job = models.ForeignKey(
        "generation.Job",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("job"),
    )
    payload = models.JSONField(_("payload"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")

    def __str__(self):
        return f"{self.type} ({self.key})"


class WebhookDelivery(models.Model):
    """One event to one endpoint: attempts, with exponential backoff, for up to a day."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Gave up")

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("endpoint"),
    )
    event = models.ForeignKey(
        WebhookEvent, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("event")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(
        _("last status code"), null=True, blank=True
    )
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="api_delivery_once")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.event} to {self.endpoint} ({self.status})"


class PhotoUpload(models.Model):
    """A photo sent to POST /api/v1/uploads, checked and re-encoded as the create form does, for
    the owner's jobs to name by id (webapp/api/photo_uploads.py). A job keeps its own copy, so
    an upload is deleted when it expires whether or not a job used it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="photo_uploads",
        verbose_name=_("owner"),
    )
    image = models.FileField(_("photo"), upload_to="api-uploads/%Y/%m/")
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    size_bytes = models.PositiveIntegerField(_("size in bytes"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("API photo upload")
        verbose_name_plural = _("API photo uploads")

    def __str__(self):
        return f"upload {self.pk} of user {self.user_id}"
