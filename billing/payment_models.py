"""The catalogue (plans and packs for sale) and the record of every payment and Stripe event.

Money amounts are integers in the currency's smallest unit (fen, cents), as Stripe counts them;
points are integers of tenths (billing/units.py). Nothing here moves points: billing/fulfilment.py
does, through billing/ledger.py.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from billing.fields import PointsField
from billing.names import pack_name, plan_name
from billing.periods import PERIOD_MONTHS, Period
from webapp.stored_text import shown


class Provider(models.TextChoices):
    STRIPE = "stripe", _("Stripe")
    SANDBOX = "sandbox", _("Test payment (sandbox)")


class Plan(models.Model):
    """A membership for sale: one tier for one billing term, at a price."""

    # Models of billing/models.py by name: that module re-exports this one (no import circle).
    tier = models.ForeignKey(
        "billing.Tier", on_delete=models.PROTECT, related_name="plans", verbose_name=_("tier")
    )
    period = models.CharField(_("period"), max_length=10, choices=Period.choices)
    price = models.PositiveIntegerField(
        _("price"), help_text=_("Per term, in the currency's smallest unit (fen, cents).")
    )
    currency = models.CharField(_("currency"), max_length=3, default="cny")
    stripe_price_id = models.CharField(
        _("Stripe price ID"), max_length=100, blank=True, db_index=True
    )
    first_period_percent_off = models.PositiveSmallIntegerField(
        _("first-term discount (%)"),
        default=0,
        help_text=_("Discount on a customer's first term (a Stripe coupon, once)."),
    )
    stripe_coupon_id = models.CharField(_("Stripe coupon ID"), max_length=100, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["tier__rank", "period"]
        constraints = [
            models.UniqueConstraint(fields=["tier", "period"], name="billing_plan_once"),
            models.CheckConstraint(
                condition=Q(first_period_percent_off__lt=100), name="billing_plan_discount_lt_100"
            ),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """The plan's name in the reader's language: "Pro (Monthly)", "专业版（月度）"."""
        return plan_name(self)

    @property
    def months(self) -> int:
        return PERIOD_MONTHS[self.period]

    @property
    def monthly_price(self) -> int:
        return round(self.price / self.months)

    def first_price(self) -> int:
        """The price of a first term, discount applied."""
        return self.price * (100 - self.first_period_percent_off) // 100


class Pack(models.Model):
    """Top-up points for sale; they last two years."""

    code = models.SlugField(_("code"), unique=True)
    points = PointsField(_("points"))
    bonus_points = PointsField(_("bonus points"), default=0)
    price = models.PositiveIntegerField(_("price"), help_text=_("In the currency's smallest unit."))
    currency = models.CharField(_("currency"), max_length=3, default="cny")
    stripe_price_id = models.CharField(_("Stripe price ID"), max_length=100, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("points pack")
        verbose_name_plural = _("points packs")
        ordering = ["price"]
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="billing_pack_points_gt_0")
        ]

    def __str__(self):
        return self.code

    @property
    def total_points(self) -> int:
        return self.points + self.bonus_points


class Customer(models.Model):
    """The one Stripe Customer of a user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="stripe_customer",
        verbose_name=_("user"),
    )
    stripe_id = models.CharField(_("Stripe customer ID"), max_length=100, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("Stripe customer")
        verbose_name_plural = _("Stripe customers")

    def __str__(self):
        return self.stripe_id


class CheckoutSession(models.Model):
    """One checkout, recorded before the buyer is sent to pay. Moves open -> complete | expired."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for payment")
        COMPLETE = "complete", _("Paid")
        EXPIRED = "expired", _("Abandoned")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="checkouts",
        verbose_name=_("user"),
    )
    provider = models.CharField(_("provider"), max_length=10, choices=Provider.choices)
    # Filled from the provider's answer; empty only between recording and the API call.
    session_id = models.CharField(
        _("session ID"), max_length=200, unique=True, null=True, blank=True
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("plan")
    )
    pack = models.ForeignKey(
        Pack, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("pack")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    amount = models.PositiveIntegerField(_("amount"), default=0)
    currency = models.CharField(_("currency"), max_length=3, default="cny")
    url = models.URLField(_("payment page"), max_length=1000, blank=True)
    subscription_id = models.CharField(_("subscription ID"), max_length=200, blank=True)
    payment_intent_id = models.CharField(_("payment intent ID"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    # Set in the transaction that granted the points or the membership.
    fulfilled_at = models.DateTimeField(_("fulfilled"), null=True, blank=True)

    class Meta:
        verbose_name = _("checkout")
        verbose_name_plural = _("checkouts")
        constraints = [
            models.CheckConstraint(
                condition=Q(plan__isnull=True) ^ Q(pack__isnull=True),
                name="billing_checkout_one_item",
            )
        ]

    def __str__(self):
        return self.session_id or gettext("checkout %(id)s") % {"id": self.pk}


LIVE_SUBSCRIPTION_STATUSES = ("active", "trialing", "past_due", "incomplete")


class Subscription(models.Model):
    """A paid membership that renews: Stripe's subscription, or the sandbox's stand-in. A user
    has at most one live subscription (one of LIVE_SUBSCRIPTION_STATUSES), enforced by the
    database; a second one paid anyway is recorded ended, as a duplicate of the live one, and
    refunded (billing/fulfilment.py, billing/webhooks.py)."""

    class Status(models.TextChoices):
        INCOMPLETE = "incomplete", _("Waiting for the first payment")
        ACTIVE = "active", _("Active")
        TRIALING = "trialing", _("Trial")
        PAST_DUE = "past_due", _("Payment overdue")
        UNPAID = "unpaid", _("Unpaid")
        PAUSED = "paused", _("Paused")
        INCOMPLETE_EXPIRED = "incomplete_expired", _("Never paid")
        CANCELED = "canceled", _("Ended")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="subscriptions",
        verbose_name=_("user"),
    )
    provider = models.CharField(_("provider"), max_length=10, choices=Provider.choices)
    subscription_id = models.CharField(_("subscription ID"), max_length=200, unique=True)
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="subscriptions", verbose_name=_("plan")
    )
    # A downgrade waiting for the end of the paid period.
    next_plan = models.ForeignKey(
        Plan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("next plan"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    current_period_start = models.DateTimeField(_("current term starts"), null=True, blank=True)
    current_period_end = models.DateTimeField(_("current term ends"), null=True, blank=True)
    cancel_at_period_end = models.BooleanField(_("cancels at term end"), default=False)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    # The membership its paid periods currently extend (a new one per tier change).
    membership = models.ForeignKey(
        "billing.Membership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("membership"),
    )
    payment_failed_at = models.DateTimeField(_("payment failed"), null=True, blank=True)
    # Set when this one was paid while `duplicate_of` was already live: ended and refunded.
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("duplicate of"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status__in=LIVE_SUBSCRIPTION_STATUSES),
                name="billing_one_live_subscription_per_user",
            )
        ]

    def __str__(self):
        return self.subscription_id


class Payment(models.Model):
    """Money received: one pack checkout or one paid subscription invoice. The user's receipts."""

    class Kind(models.TextChoices):
        PACK = "pack", _("Points pack")
        INVOICE = "invoice", _("Membership")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("user"),
    )
    provider = models.CharField(_("provider"), max_length=10, choices=Provider.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # The checkout session id (pack) or invoice id (membership): one payment per each.
    ref = models.CharField(_("reference"), max_length=200, unique=True)
    payment_intent_id = models.CharField(
        _("payment intent ID"), max_length=200, blank=True, db_index=True
    )
    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("subscription"),
    )
    description = models.CharField(_("description"), max_length=200)
    amount = models.PositiveIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    paid_at = models.DateTimeField(_("paid"))
    receipt_url = models.URLField(_("receipt"), max_length=1000, blank=True)
    # The points it paid for: clawed back from here if the payment is refunded.
    lot = models.ForeignKey(
        "billing.Lot",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("points lot"),
    )
    amount_refunded = models.PositiveIntegerField(_("amount refunded"), default=0)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-paid_at"]

    def __str__(self):
        return f"{self.title} ({self.ref})"

    @property
    def title(self) -> str:
        """The receipt's name in the reader's language: the pack's points or the plan it paid
        for (its description was written once, in whoever's language caused it)."""
        if self.kind == self.Kind.PACK and self.lot_id:
            return pack_name(self.lot.amount)
        if self.kind == self.Kind.INVOICE:
            plan = self._plan_described()
            if plan is not None:
                return plan_name(plan)
        return shown(self.description)

    def _plan_described(self):
        """The plan the description names, in any of the site's languages (it was written as
        str(plan) in the language active when the invoice was recorded)."""
        plans = list(Plan.objects.select_related("tier"))
        if self.subscription_id:
            sub = self.subscription
            plans.sort(key=lambda p: p.pk not in (sub.plan_id, sub.next_plan_id))
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                for plan in plans:
                    period = plan.get_period_display()
                    # Today's wording, and the one before tier names were translated.
                    if self.description in (str(plan), f"{plan.tier.name} ({period})"):
                        return plan
        return None


class WebhookEvent(models.Model):
    """Every Stripe event received, once: the unique event id is what makes a replay a no-op.
    An event that came before the payment it is about (a refund before the purchase is recorded)
    stays "pending" and is applied when that payment is recorded: never dropped."""

    class Outcome(models.TextChoices):
        PROCESSED = "processed", _("Processed")
        IGNORED = "ignored", _("Ignored")
        PENDING = "pending", _("Waiting for its payment")

    event_id = models.CharField(_("event ID"), max_length=200, unique=True)
    type = models.CharField(_("event type"), max_length=100)
    object_id = models.CharField(_("object ID"), max_length=200, blank=True)
    livemode = models.BooleanField(_("live mode"), default=False)
    api_version = models.CharField(_("API version"), max_length=40, blank=True)
    created = models.DateTimeField(
        _("created at Stripe"), help_text=_("When Stripe created the event.")
    )
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    # A pending event: the payment intent whose recording applies it.
    waits_for = models.CharField(_("waits for"), max_length=200, blank=True, db_index=True)

    class Meta:
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.type} {self.event_id}"
