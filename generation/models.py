from django.conf import settings
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from billing.fields import PointsField
from generation.labels import MODES, camera_label

# The largest id a row can have (a bigint): a longer number in a URL or a request names no row.
MAX_ROW_ID = 2**63 - 1


class Job(models.Model):
    """One generation request and where it is now. Status only moves through services.py."""

    class Kind(models.TextChoices):
        TEXT_TO_VIDEO = "text_to_video", _("Text to video")
        IMAGE_TO_VIDEO = "image_to_video", _("Image to video")
        EXTEND = "extend", _("Extend a video")
        TEXT_TO_PICTURE = "text_to_picture", _("Text to picture")
        STORYBOARD = "storyboard", _("Storyboard")
        REFERENCES = "references", _("References")
        RESTYLE = "restyle", _("Restyle a video")
        EFFECT = "effect", _("Effect")
        # A soundtrack for one of the user's own silent videos (`source_job`), its frames kept.
        ADD_SOUND = "add_sound", _("Add sound")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELED = "canceled", _("Canceled")
        REJECTED = "rejected", _("Rejected")
        # Held by moderation: before it runs (prompt or photo) or before its outputs are shown.
        # Its points stay held until a staff decision (generation/moderation/review.py).
        REVIEW = "review", _("Under review")

    ACTIVE = (Status.QUEUED, Status.RUNNING)
    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELED, Status.REJECTED)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="jobs",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    prompt = models.TextField(_("prompt"), blank=True)
    negative_prompt = models.TextField(_("negative prompt"), blank=True)
    # Options as submitted: aspect_ratio, duration_s, mode, guidance_scale, seed, camera_movement,
    # num_images; a restyle's strength and its source's exact length (source_s), as an added
    # soundtrack's (with sound: true, as every job whose video has sound);
    # a storyboard's shots ([{prompt, duration_s, camera_movement}], duration_s their
    # sum); an effect's slug and retouches (effect, restore). Kept together so "generate again"
    # can refill the form exactly.
    params = models.JSONField(_("options"), default=dict)
    input_image = models.FileField(_("input photo"), upload_to="inputs/%Y/%m/", blank=True)
    end_image = models.FileField(_("end photo"), upload_to="inputs/%Y/%m/", blank=True)
    # A restyle's source clip, as the web tier normalised it (generation/restyle.py): an upload,
    # or the video of the user's own work named by `source_job`.
    input_video = models.FileField(_("source clip"), upload_to="inputs/%Y/%m/", blank=True)
    # An effect's second person (a hug): composed beside the first photo (generation/effects.py).
    second_image = models.FileField(_("second photo"), upload_to="inputs/%Y/%m/", blank=True)
    source_job = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="extensions",
        verbose_name=_("extended job"),
    )
    model_spec = models.CharField(_("model"), max_length=50)
    priority = models.BooleanField(
        _("priority"), default=False, help_text=_("Members' jobs go first.")
    )
    watermarked = models.BooleanField(
        _("watermarked"),
        default=True,
        help_text=_(
            'Submitted by a user whose plan had no "no watermark": the worker also makes '
            "visibly marked files."
        ),
    )
    points_held = models.PositiveIntegerField(
        _("points held"), help_text=_("In tenths of a point.")
    )
    # Bumped when an accepted appeal holds points again: each round is its own ledger hold.
    hold_round = models.PositiveSmallIntegerField(_("hold round"), default=0)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error_message = models.TextField(
        _("error message"), blank=True, help_text=_("Shown to the user.")
    )
    worker = models.CharField(_("worker"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # When its message last reached the broker; a queued job without it is sent by the sweep.
    enqueued_at = models.DateTimeField(_("sent to the queue"), null=True, blank=True)
    # The priority its message was last sent with (generation/dispatch.py, 9 first): the order
    # the workers take it in, which the queue position shown to its owner must follow.
    dispatch_level = models.PositiveSmallIntegerField(_("queue level"), default=0)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "priority", "created_at"]),
            models.Index(fields=["status", "dispatch_level", "enqueued_at"]),
            models.Index(fields=["user", "status"]),
        ]

    def __str__(self):
        return gettext("Job #%(id)s (%(kind)s, %(status)s)") % {
            "id": self.pk,
            "kind": self.get_kind_display(),
            "status": self.get_status_display(),
        }

    @property
    def ledger_ref(self) -> str:
        return f"job:{self.pk}" if not self.hold_round else f"job:{self.pk}:{self.hold_round}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def can_cancel(self) -> bool:
        """Queued, running, or held for review before it ran (see services.cancel)."""
        return self.is_active or (self.status == self.Status.REVIEW and self.started_at is None)

    @property
    def mode_display(self):
        """The quality mode as people read it, in their language ("Standard", "标准")."""
        mode = self.params.get("mode", "standard")
        return dict(MODES).get(mode, mode)

    @property
    def camera_display(self):
        """The camera preset as people read it, in their language."""
        return camera_label(self.params.get("camera_movement") or "static")

    def asset(self, kind):
        return next((a for a in self.assets.all() if a.kind == kind), None)

    @property
    def video(self):
        return self.asset(Asset.Kind.VIDEO)

    @property
    def poster(self):
        return self.asset(Asset.Kind.POSTER)

    @property
    def preview(self):
        return self.asset(Asset.Kind.PREVIEW)

    @property
    def pictures(self):
        return [a for a in self.assets.all() if a.kind == Asset.Kind.PICTURE]

    def inputs(self) -> list[tuple[str, FieldFile]]:
        """Every file the job was made from, each under the name its address takes: the photo
        ("start"), its end frame ("end"), an effect's second photo ("second"), each reference
        photo ("ref1" to "ref4") and a restyle's source clip ("clip"). Reads `references`
        (prefetch it for many jobs)."""
        named = [("start", self.input_image), ("end", self.end_image)]
        named.append(("second", self.second_image))
        named += [(f"ref{photo.position}", photo.image) for photo in self.references.all()]
        named.append((INPUT_CLIP, self.input_video))
        return [(name, stored) for name, stored in named if stored]

    def input_file(self, which: str) -> FieldFile | None:
        """One of `inputs()` by its name; None when the job has no such input."""
        return dict(self.inputs()).get(which)


# The name of a restyle's source clip among a job's inputs; every other input is a PNG photo.
INPUT_CLIP = "clip"


def input_content_type(which: str) -> str:
    return "video/mp4" if which == INPUT_CLIP else "image/png"


class ReferencePhoto(models.Model):
    """One of a reference video's photos (a person, an object, a style), re-encoded as PNG.
    Shown to the job's owner only (generation.views.input_photo), deleted with the account."""

    job = models.ForeignKey(
        Job, on_delete=models.CASCADE, related_name="references", verbose_name=_("job")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    image = models.FileField(_("photo"), upload_to="inputs/%Y/%m/")

    class Meta:
        verbose_name = _("reference photo")
        verbose_name_plural = _("reference photos")
        ordering = ["job", "position"]
        constraints = [
            models.UniqueConstraint(fields=["job", "position"], name="one_reference_per_position")
        ]

    def __str__(self):
        return f"reference {self.position} of job {self.job_id}"


class Asset(models.Model):
    """A file a job produced, stored through Django's default storage (local or S3).

    `file` is the clean master (invisible mark and content credentials, no visible mark);
    `marked_file` the same output with the visible watermark, made only for watermarked jobs.
    Which one a request gets is decided per request (generation.views.asset_file).
    """

    class Kind(models.TextChoices):
        VIDEO = "video", _("Video")
        POSTER = "poster", _("Poster")
        PREVIEW = "preview", _("Animated preview")
        PICTURE = "picture", _("Picture")

    job = models.ForeignKey(
        Job, on_delete=models.CASCADE, related_name="assets", verbose_name=_("job")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="outputs/%Y/%m/")
    marked_file = models.FileField(_("watermarked file"), upload_to="outputs/%Y/%m/", blank=True)
    content_type = models.CharField(_("content type"), max_length=50)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    frames = models.PositiveIntegerField(_("frames"), null=True, blank=True)
    fps = models.PositiveSmallIntegerField(_("frames per second"), null=True, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("size in bytes"))
    index = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("output file")
        verbose_name_plural = _("output files")
        ordering = ["job", "kind", "index"]

    def __str__(self):
        return f"{self.kind} of job {self.job_id}"

    def file_for(self, owner):
        """The file to serve: the clean master when no marked variant was made (the job was a
        member's) or when the owner's plan has "no watermark" now. The plan is looked up only
        in the second case, so most file requests cost no membership query."""
        if not self.marked_file:
            return self.file
        from billing.entitlements import entitlements

        return self.file if entitlements(owner).no_watermark else self.marked_file

    @property
    def duration_s(self) -> float | None:
        return self.frames / self.fps if self.frames and self.fps else None


class RunTime(models.Model):
    """How long one shape of job takes on this installation, from claim to finish (generation,
    post-processing and upload), learned as jobs succeed (generation/eta.py). The ETA users see
    comes from here rather than from constants."""

    # "<spec>|<kind>|<mode>|<aspect>|<seconds or pictures>", or "<spec>|<kind>" for the kind
    # as a whole, or "*" for every job (what a job ahead in the queue takes, whatever it is).
    key = models.CharField(_("job shape"), max_length=160, unique=True)
    seconds = models.FloatField(_("seconds"))
    samples = models.PositiveIntegerField(_("samples"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("learned run time")
        verbose_name_plural = _("learned run times")

    def __str__(self):
        return f"{self.key}: {self.seconds:.1f} s over {self.samples}"


class Effect(models.Model):
    """A one-click template of the effects catalogue (Kling's hug, Pikaffects), kept by staff in
    the admin: an image to video job on `spec` with this prompt and, optionally, a LoRA adapter
    switched on for the job (generation/engine/adapters.py). The rules are in generation/effects.py.
    """

    class Photos(models.IntegerChoices):
        ONE = 1, _("One photo")
        TWO = 2, _("Two photos (side by side)")

    slug = models.SlugField(_("code"), unique=True)
    name = models.CharField(_("name"), max_length=80)
    name_zh_hans = models.CharField(_("name in Simplified Chinese"), max_length=80, blank=True)
    preview = models.FileField(
        _("preview clip"), upload_to="effects/previews/", blank=True, help_text=_("An MP4 loop.")
    )
    photos = models.PositiveSmallIntegerField(
        _("photos needed"), choices=Photos.choices, default=Photos.ONE
    )
    prompt_template = models.TextField(
        _("prompt template"),
        help_text=_("What the model is told; {details} is replaced by the user's optional words."),
    )
    adapter = models.FileField(
        _("LoRA adapter"),
        upload_to="effects/adapters/",
        blank=True,
        help_text=_(
            "A .safetensors LoRA for the model's video transformer; none for a plain effect."
        ),
    )
    adapter_sha256 = models.CharField(
        _("adapter checksum"), max_length=64, blank=True, editable=False
    )
    adapter_weight = models.FloatField(_("adapter weight"), default=1.0)
    spec = models.CharField(_("model"), max_length=50, default="tiny")
    price = PointsField(_("price"), help_text=_("Points per job, e.g. 10 or 12.5."))
    tier = models.ForeignKey(
        "billing.Tier",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("lowest plan"),
        help_text=_("Empty: everyone, free plan included."),
    )
    offers_restoration = models.BooleanField(
        _("offers colourisation and face restoration"), default=False
    )
    active = models.BooleanField(_("shown on the create page"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("effect")
        verbose_name_plural = _("effects")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the reader's language."""
        from django.utils.translation import get_language

        if self.name_zh_hans and (get_language() or "").lower().startswith("zh"):
            return self.name_zh_hans
        return self.name
