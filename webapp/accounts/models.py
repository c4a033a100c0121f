from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from webapp.accounts.emails import canonical_email

TAKEN_MESSAGE = _("A user is already registered with this e-mail address.")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        """`manage.py createsuperuser`: the first admin. Its address counts as verified (whoever
        runs the command on the server vouches for it), so it can log in at once; every other
        account verifies its address by e-mail."""
        from allauth.account.models import EmailAddress

        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        user = self._create_user(email, password, **extra_fields)
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        return user

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


def normalize_email(email: str) -> str:
    """The one form an address is stored in: trimmed and lower case."""
    return email.strip().lower()


class User(AbstractUser):
    """A person with an account. Signs in with an e-mail address; there is no username."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("e-mail address"), unique=True)
    # The mailbox the address reaches (webapp/accounts/emails.py): one account per mailbox.
    email_canonical = models.CharField(
        _("mailbox"), max_length=254, unique=True, null=True, editable=False
    )
    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    notify_job_finished = models.BooleanField(_("e-mail me when a job finishes"), default=True)
    # The language the user last read the site in: e-mails sent outside a request (a finished
    # job, a failed renewal, a data export) are written in it (webapp/accounts/language.py).
    language = models.CharField(_("language"), max_length=10, blank=True, editable=False)
    # Set when the account is deleted (webapp/accounts/closing.py). The row stays, stripped of
    # every personal detail, because the ledger and payment records the law keeps point at it.
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True, editable=False)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                violation_error_message=TAKEN_MESSAGE,
            )
        ]

    def __str__(self):
        return self.email

    def clean(self):
        super().clean()
        self.email = normalize_email(self.email)
        if email_is_taken(self.email, exclude=self):
            raise ValidationError({"email": TAKEN_MESSAGE})

    def save(self, *args, **kwargs):
        self.email_canonical = canonical_email(self.email) if self.email else None
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "email" in update_fields:
            kwargs["update_fields"] = {*update_fields, "email_canonical"}
        super().save(*args, **kwargs)

    def get_full_name(self):
        return self.display_name or self.email

    def get_short_name(self):
        return self.display_name or self.email.split("@")[0]


def email_is_taken(email: str, exclude=None) -> bool:
    """Whether another account already uses the mailbox this address reaches."""
    others = User.objects.filter(email_canonical=canonical_email(email))
    if exclude is not None and exclude.pk is not None:
        others = others.exclude(pk=exclude.pk)
    return others.exists()


def export_path(export, filename: str) -> str:
    # Unguessable: the file is private, but its name should not say whose it is.
    return f"exports/{export.token}.zip"


class DataExport(models.Model):
    """A ZIP of everything the site holds about one user, built in the background
    (webapp/accounts/export.py) and offered through a link e-mailed to them until it expires."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="data_exports", verbose_name=_("user")
    )
    token = models.CharField(_("download token"), max_length=64, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    file = models.FileField(_("file"), upload_to=export_path, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"data export {self.pk} of user {self.user_id} ({self.status})"
