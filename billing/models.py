"""Points, lots, holds and the append-only ledger; membership tiers and memberships.

Every amount is an integer of tenths of a point (see billing/units.py). The rules that move points
live in billing/ledger.py; nothing here changes a balance by itself.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from billing.fields import PointsField
from billing.names import tier_name
from billing.periods import Period
from billing.units import format_signed_points


class Wallet(models.Model):
    """One per user. `balance` is the spendable total, cached; it always equals the sum of the
    wallet's entries and of its lots' remainders. Its row is what every ledger call locks."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="wallet",
        verbose_name=_("user"),
    )
    balance = PointsField(_("balance"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("wallet")
        verbose_name_plural = _("wallets")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="billing_wallet_balance_gte_0")
        ]

    def __str__(self):
        return gettext("wallet of %(user)s") % {"user": self.user}


class Lot(models.Model):
    """One grant of points, spent down through `remaining` until it is used up or expires."""

    class Source(models.TextChoices):
        DAILY = "daily", _("Daily points")
        MEMBERSHIP = "membership", _("Membership points")
        TOPUP = "topup", _("Top-up")
        PROMOTION = "promotion", _("Promotion")
        REFUND = "refund", _("Refund")
        STAFF = "staff", _("Staff grant")

    wallet = models.ForeignKey(
        Wallet, on_delete=models.CASCADE, related_name="lots", verbose_name=_("wallet")
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    # What this grant is, made unique: daily:<user>:<date>, membership:<id>:<month>, a payment id.
    source_ref = models.CharField(_("source reference"), max_length=160)
    amount = PointsField(_("amount"))
    remaining = PointsField(_("remaining"))
    granted_at = models.DateTimeField(_("granted"))
    # Null: never expires. Live while now < expires_at.
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("points lot")
        verbose_name_plural = _("points lots")
        constraints = [
            models.UniqueConstraint(fields=["source", "source_ref"], name="billing_lot_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_lot_amount_gt_0"),
            models.CheckConstraint(
                condition=Q(remaining__gte=0, remaining__lte=models.F("amount")),
                name="billing_lot_remaining_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["wallet", "expires_at"], name="billing_lot_wallet_expiry"),
            models.Index(
                fields=["expires_at"], condition=Q(remaining__gt=0), name="billing_lot_to_expire"
            ),
        ]

    def __str__(self):
        return f"{self.get_source_display()} {self.source_ref}"


class EntryQuerySet(models.QuerySet):
    """Entries are append-only: corrections are new entries, never edits."""

    def update(self, **kwargs):
        raise TypeError("ledger entries are append-only: write a new entry instead")

    def delete(self):
        raise TypeError("ledger entries are append-only: write a new entry instead")

    def bulk_update(self, objs, fields, batch_size=None):
        raise TypeError("ledger entries are append-only: write a new entry instead")


class Entry(models.Model):
    """One movement of points in a wallet, with the balance right after it.

    Signs: grant and release add; hold and expire take away; capture settles a hold and moves
    nothing (the points left the balance when they were held); adjust is a staff grant or
    clawback; clawback takes back the unspent points of a refunded payment. Per lot, its entries
    sum to its `remaining`."""

    class Kind(models.TextChoices):
        GRANT = "grant", _("Granted")
        HOLD = "hold", _("Held")
        CAPTURE = "capture", _("Spent")
        RELEASE = "release", _("Returned")
        EXPIRE = "expire", _("Expired")
        ADJUST = "adjust", _("Adjusted by staff")
        CLAWBACK = "clawback", _("Taken back after a refund")

    wallet = models.ForeignKey(
        Wallet, on_delete=models.CASCADE, related_name="entries", verbose_name=_("wallet")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    amount = PointsField(_("amount"))
    balance_after = PointsField(_("balance after"))
    lot = models.ForeignKey(
        Lot,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("lot"),
    )
    # The job hold ("job:123"), payment or grant this movement belongs to.
    ref = models.CharField(_("reference"), max_length=160, blank=True, db_index=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who made a manual adjustment."),
        verbose_name=_("staff member"),
    )
    created_at = models.DateTimeField(_("created"))

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["grant", "release"], amount__gt=0)
                    | Q(kind__in=["hold", "expire", "clawback"], amount__lt=0)
                    | Q(kind="capture", amount=0)
                    | (Q(kind="adjust") & ~Q(amount=0))
                ),
                name="billing_entry_sign_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="billing_entry_balance_after_gte_0"
            ),
        ]
        indexes = [models.Index(fields=["wallet", "-id"], name="billing_entry_history")]

    def __str__(self):
        return f"{self.get_kind_display()} {format_signed_points(self.amount)} ({self.ref})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("ledger entries are append-only: write a new entry instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("ledger entries are append-only: write a new entry instead")


class Hold(models.Model):
    """Points set aside for one job (or other purchase) until it is captured or released."""

    class Status(models.TextChoices):
        HELD = "held", _("on hold")
        CAPTURED = "captured", _("settled")
        RELEASED = "released", _("refunded")

    wallet = models.ForeignKey(
        Wallet, on_delete=models.CASCADE, related_name="holds", verbose_name=_("wallet")
    )
    ref = models.CharField(_("reference"), max_length=160, unique=True)
    amount = PointsField(_("amount"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.HELD
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"))
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True)

    class Meta:
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_hold_amount_gt_0")
        ]

    def __str__(self):
        return gettext("hold %(ref)s (%(status)s)") % {
            "ref": self.ref,
            "status": self.get_status_display(),
        }


class HoldDraw(models.Model):
    """How much of a hold came from which lot, so a release puts it back exactly there."""

    hold = models.ForeignKey(
        Hold, on_delete=models.CASCADE, related_name="draws", verbose_name=_("hold")
    )
    lot = models.ForeignKey(
        Lot, on_delete=models.RESTRICT, related_name="draws", verbose_name=_("lot")
    )
    amount = PointsField(_("amount"))

    class Meta:
        verbose_name = _("hold draw")
        verbose_name_plural = _("hold draws")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_draw_amount_gt_0"),
            models.UniqueConstraint(fields=["hold", "lot"], name="billing_draw_once_per_lot"),
        ]

    def __str__(self):
        return f"{self.amount} of {self.hold.ref} from lot {self.lot_id}"


class Tier(models.Model):
    """A membership plan and what it entitles to. Seeded: Standard, Pro, Premier."""

    code = models.SlugField(_("code"), unique=True)
    name = models.CharField(_("name"), max_length=60)
    rank = models.PositiveSmallIntegerField(
        _("rank"), default=0, help_text=_("Higher ranks win when a user holds several memberships.")
    )
    monthly_points = PointsField(_("monthly points"))
    no_watermark = models.BooleanField(_("no watermark"), default=False)
    professional_mode = models.BooleanField(_("professional mode"), default=False)
    video_extension = models.BooleanField(_("video extension"), default=False)
    camera_movement = models.BooleanField(_("camera movement"), default=False)
    priority_queue = models.BooleanField(_("priority queue"), default=False)
    max_concurrent_jobs = models.PositiveSmallIntegerField(_("jobs at once"), default=1)
    max_resolution = models.PositiveSmallIntegerField(
        _("maximum resolution"),
        default=720,
        help_text=_("Short side of the output, in pixels (720, 1080)."),
    )
    max_frame_rate = models.PositiveSmallIntegerField(
        _("maximum frame rate"),
        default=30,
        help_text=_("Frames per second of the output, at most (24, 30)."),
    )

    class Meta:
        verbose_name = _("membership tier")
        verbose_name_plural = _("membership tiers")
        ordering = ["rank"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the reader's language (the seeded tiers' names are in the catalogue)."""
        return tier_name(self)


class Membership(models.Model):
    """A user's plan for a period. Monthly points are granted at the start of each month of it."""

    Period = Period  # billing/periods.py, shared with the plans

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CANCELED = "canceled", _("Canceled")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    tier = models.ForeignKey(
        Tier, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("tier")
    )
    period = models.CharField(
        _("period"), max_length=10, choices=Period.choices, default=Period.MONTHLY
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(
        _("ends"),
        blank=True,
        help_text=_("Left empty, it is computed from the start and the period."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="billing_membership_ends_after_start",
            )
        ]
        indexes = [models.Index(fields=["status", "ends_at"], name="billing_membership_live")]

    def __str__(self):
        return gettext("%(tier)s for %(user)s (%(period)s)") % {
            "tier": self.tier,
            "user": self.user,
            "period": self.get_period_display(),
        }


# The catalogue and payment records live in their own module; importing them here registers them.
from billing.payment_models import (  # noqa: E402, F401
    CheckoutSession,
    Customer,
    Pack,
    Payment,
    Plan,
    Provider,
    Subscription,
    WebhookEvent,
)
