"""Staff panel for the catalogue (editable) and for payment records (read-only: they mirror what
the payment provider says and are changed only by billing/fulfilment.py)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from billing.models import (
    CheckoutSession,
    Customer,
    Pack,
    Payment,
    Plan,
    Subscription,
    WebhookEvent,
)
from billing.templatetags.points import money
from billing.units import format_points
from webapp.staff.admin_mixins import ReadOnlyAdmin


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = (
        "tier",
        "period",
        "shown_price",
        "first_period_percent_off",
        "stripe_price_id",
        "stripe_coupon_id",
        "active",
    )
    list_filter = ("tier", "period", "active")
    list_editable = ("active",)

    @admin.display(description=_("price"))
    def shown_price(self, plan):
        return money(plan.price, plan.currency)

    def has_delete_permission(self, request, obj=None):
        return False  # subscriptions point at plans; retire one by unticking "active"


@admin.register(Pack)
class PackAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "shown_points",
        "shown_bonus",
        "shown_price",
        "stripe_price_id",
        "active",
    )
    list_editable = ("active",)

    @admin.display(description=_("points"))
    def shown_points(self, pack):
        return format_points(pack.points)

    @admin.display(description=_("bonus points"))
    def shown_bonus(self, pack):
        return format_points(pack.bonus_points)

    @admin.display(description=_("price"))
    def shown_price(self, pack):
        return money(pack.price, pack.currency)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ("user", "stripe_id", "created_at")
    search_fields = ("user__email", "stripe_id")


@admin.register(CheckoutSession)
class CheckoutSessionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "provider", "plan", "pack", "status", "fulfilled_at")
    list_filter = ("provider", "status")
    list_select_related = ("user", "plan__tier", "pack")
    search_fields = ("user__email", "session_id", "subscription_id", "payment_intent_id")


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = (
        "user",
        "provider",
        "plan",
        "status",
        "current_period_end",
        "cancel_at_period_end",
        "next_plan",
        "payment_failed_at",
        "duplicate_of",
    )
    list_filter = ("provider", "status", "cancel_at_period_end")
    list_select_related = ("user", "plan__tier", "next_plan__tier")
    search_fields = ("user__email", "subscription_id")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("paid_at", "user", "kind", "title", "shown_amount", "refunded", "ref")
    list_filter = ("provider", "kind")
    list_select_related = ("user", "lot", "subscription")
    search_fields = ("user__email", "ref", "payment_intent_id")

    @admin.display(description=_("description"))
    def title(self, payment):
        return payment.title  # the receipt's name, in the reader's language

    @admin.display(description=_("amount"))
    def shown_amount(self, payment):
        return money(payment.amount, payment.currency)

    @admin.display(description=_("refunded"))
    def refunded(self, payment):
        return money(payment.amount_refunded, payment.currency)


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "type", "event_id", "object_id", "outcome", "note")
    list_filter = ("outcome", "type")
    search_fields = ("event_id", "object_id")
