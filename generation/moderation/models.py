"""Screening rules (edited by staff in the admin) and the review queue.

The rules are data, not code: blocked terms and banned-concept descriptions for prompts, NudeNet
class thresholds for photos and outputs. Their contents are never shown to users; a refusal names
only the field and the rule's category.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# NudeNet 3.4's detector classes (nudenet/nudenet.py), the labels a PhotoRule can name.
NUDENET_CLASSES = [
    "FEMALE_GENITALIA_COVERED",
    "FACE_FEMALE",
    "BUTTOCKS_EXPOSED",
    "FEMALE_BREAST_EXPOSED",
    "FEMALE_GENITALIA_EXPOSED",
    "MALE_BREAST_EXPOSED",
    "ANUS_EXPOSED",
    "FEET_EXPOSED",
    "BELLY_COVERED",
    "FEET_COVERED",
    "ARMPITS_COVERED",
    "ARMPITS_EXPOSED",
    "FACE_MALE",
    "BELLY_EXPOSED",
    "MALE_GENITALIA_EXPOSED",
    "ANUS_COVERED",
    "FEMALE_BREAST_COVERED",
    "BUTTOCKS_COVERED",
]


class Category(models.TextChoices):
    """What kind of rule fired: the only detail of a rule a user is told."""

    SEXUAL = "sexual", _("sexual content")
    MINORS = "minors", _("sexual content involving minors")
    EXTREMISM = "extremism", _("terrorist or extremist propaganda")
    VIOLENCE = "violence", _("graphic violence or gore")
    SELF_HARM = "self_harm", _("self-harm")
    HATE = "hate", _("hate or harassment")
    DEEPFAKE = "deepfake", _("sexual or deceptive depictions of real people")
    WEAPONS = "weapons", _("weapons or terrorism")
    NUDITY = "nudity", _("nudity")
    DRUGS = "drugs", _("illegal drugs")


class Action(models.TextChoices):
    REFUSE = "refuse", _("Refuse")
    REVIEW = "review", _("Hold for review")


class Subject(models.TextChoices):
    """What a rule screened: a field of the create form, or the job's result."""

    PROMPT = "prompt", _("prompt")
    NEGATIVE_PROMPT = "negative_prompt", _("negative prompt")
    INPUT_IMAGE = "input_image", _("photo")
    END_IMAGE = "end_image", _("end frame")
    INPUT_VIDEO = "input_video", _("clip")
    SECOND_IMAGE = "second_image", _("second photo")
    OUTPUT = "output", _("result")


class Layer(models.TextChoices):
    """Which screen found it."""

    BLOCKLIST = "blocklist", _("blocked terms")
    SEMANTIC = "semantic", _("meaning")
    RULES = "rules", _("combined cues")
    PHOTO = "photo", _("photo detector")
    OUTPUT = "output", _("result check")


class BlockedTerm(models.Model):
    """A word or phrase refused (or held) wherever it appears in a prompt, after normalisation
    (case, full-width letters, spacing and punctuation between letters, simple leetspeak).
    Chinese terms match as substrings; Latin terms match whole words of the normalised text."""

    term = models.CharField(_("term"), max_length=100)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    action = models.CharField(
        _("action"), max_length=10, choices=Action.choices, default=Action.REFUSE
    )
    active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=255, blank=True, help_text=_("For staff only."))

    class Meta:
        verbose_name = _("blocked term")
        verbose_name_plural = _("blocked terms")
        ordering = ["category", "term"]
        constraints = [models.UniqueConstraint(fields=["term"], name="unique_blocked_term")]

    def __str__(self):
        return f"{self.term} ({self.get_category_display()}, {self.get_action_display()})"


class BannedConcept(models.Model):
    """A description of something the site does not make, compared with each prompt by meaning
    (cosine similarity of MiniLM sentence embeddings)."""

    description = models.CharField(_("description"), max_length=300)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    refuse_at = models.FloatField(
        _("refuse at"), default=0.7, help_text=_("Similarity at or above: refuse.")
    )
    review_at = models.FloatField(
        _("review at"), default=0.55, help_text=_("Similarity at or above: review.")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("banned concept")
        verbose_name_plural = _("banned concepts")
        ordering = ["category", "description"]

    def __str__(self):
        return self.description


class PhotoRule(models.Model):
    """A NudeNet class and the detector scores at which a photo is refused or held."""

    detector_class = models.CharField(
        _("detector class"), max_length=40, choices=[(c, c) for c in NUDENET_CLASSES], unique=True
    )
    refuse_at = models.FloatField(_("refuse at"), help_text=_("Score at or above: refuse."))
    review_at = models.FloatField(
        _("review at"),
        null=True,
        blank=True,
        help_text=_("Score at or above: hold for review (optional)."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("photo rule")
        verbose_name_plural = _("photo rules")
        ordering = ["detector_class"]

    def __str__(self):
        return self.detector_class


class Flag(models.Model):
    """One item in the review queue, or the record of an automatic refusal (decided at once)."""

    class Kind(models.TextChoices):
        PROMPT = "prompt", _("Prompt")
        UPLOAD = "upload", _("Uploaded photo")
        OUTPUT = "output", _("Output")
        APPEAL = "appeal", _("Appeal")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    job = models.ForeignKey(
        "generation.Job", on_delete=models.CASCADE, related_name="flags", verbose_name=_("job")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="moderation_flags",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    field = models.CharField(_("field"), max_length=20, choices=Subject.choices)
    layer = models.CharField(_("layer"), max_length=10, choices=Layer.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    rule = models.CharField(_("rule"), max_length=300, blank=True, help_text=_("For staff only."))
    score = models.FloatField(_("score"), null=True, blank=True)
    message = models.TextField(_("appeal"), blank=True, help_text=_("The user's appeal."))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_decisions",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        ordering = ["created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            # "Appeal a refusal once": at most one appeal per job, whatever its outcome.
            models.UniqueConstraint(
                fields=["job"], condition=models.Q(kind="appeal"), name="one_appeal_per_job"
            )
        ]

    def __str__(self):
        return gettext("%(kind)s flag on job #%(job)s (%(status)s)") % {
            "kind": self.get_kind_display(),
            "job": self.job_id,
            "status": self.get_status_display(),
        }
