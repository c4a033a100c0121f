"""Staff panel: tiers and memberships are edited here; points only move through the ledger
(a staff adjustment on a wallet), so lots, entries and wallets are read-only."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from billing import ledger
from billing.fields import PointsFormField
from billing.memberships import grant_membership_points, membership_end
from billing.middleware import forget_points_check
from billing.models import Entry, Lot, Membership, Tier, Wallet
from billing.notes import entry_note
from billing.units import format_points, format_signed_points
from webapp.staff import audit, services
from webapp.staff.admin_mixins import AuditedSettingAdmin, ReadOnlyAdmin
from webapp.stored_text import shown


@admin.register(Tier)
class TierAdmin(AuditedSettingAdmin, admin.ModelAdmin):
    list_display = (
        "shown_name",
        "code",
        "points_per_month",
        "no_watermark",
        "professional_mode",
        "video_extension",
        "camera_movement",
        "priority_queue",
        "max_concurrent_jobs",
        "max_resolution",
        "max_frame_rate",
    )
    ordering = ("rank",)

    @admin.display(description=_("name"), ordering="rank")
    def shown_name(self, tier):
        return tier.display_name

    @admin.display(description=_("monthly points"))
    def points_per_month(self, tier):
        return format_points(tier.monthly_points)

    def has_delete_permission(self, request, obj=None):
        return False  # memberships point at tiers; retire a tier by editing it


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ("user", "tier", "period", "starts_at", "ends_at", "status")

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("period") and not data.get("ends_at"):
            data["ends_at"] = membership_end(data["starts_at"], data["period"])
            self.instance.ends_at = data["ends_at"]
        if data.get("ends_at") and data.get("starts_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("A membership must end after it starts."))
        return data


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    form = MembershipForm
    list_display = ("user", "tier", "period", "starts_at", "ends_at", "status", "assigned_by")
    list_filter = ("tier", "status", "period")
    list_select_related = ("user", "tier", "assigned_by")
    search_fields = ("user__email",)
    autocomplete_fields = ("user",)
    readonly_fields = ("assigned_by", "created_at")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.assigned_by = request.user
        super().save_model(request, obj, form, change)
        audit.record(
            request.user,
            audit.Action.PLAN_CHANGE,
            obj,
            reason="changed" if change else "assigned",
            tier=obj.tier.code,
            period=obj.period,
            status=obj.status,
            starts_at=obj.starts_at,
            ends_at=obj.ends_at,
            changed=form.changed_data,
        )
        # This month's points arrive now, not on the member's next day.
        grant_membership_points(obj.user)
        forget_points_check(obj.user)


@admin.register(Lot)
class LotAdmin(ReadOnlyAdmin):
    list_display = ("wallet", "source", "source_ref", "points", "left", "granted_at", "expires_at")
    list_filter = ("source",)
    list_select_related = ("wallet__user",)
    search_fields = ("wallet__user__email", "source_ref")
    fields = (
        "wallet",
        "source",
        "source_ref",
        "points",
        "left",
        "granted_at",
        "expires_at",
        "note",
    )
    readonly_fields = fields

    @admin.display(description=_("reason"))
    def note(self, lot):
        return shown(lot.reason)

    @admin.display(description=_("amount"))
    def points(self, lot):
        return format_points(lot.amount)

    @admin.display(description=_("remaining"))
    def left(self, lot):
        return format_points(lot.remaining)


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "wallet", "kind", "points", "after", "ref", "note", "staff")
    list_filter = ("kind",)
    list_select_related = ("wallet__user", "staff", "lot")
    search_fields = ("wallet__user__email", "ref")
    fields = ("created_at", "wallet", "kind", "points", "after", "lot", "ref", "note", "staff")
    readonly_fields = fields

    @admin.display(description=_("reason"))
    def note(self, entry):
        return entry_note(entry)  # what the points page says, in the reader's language

    @admin.display(description=_("amount"))
    def points(self, entry):
        return format_signed_points(entry.amount)

    @admin.display(description=_("balance after"))
    def after(self, entry):
        return format_points(entry.balance_after)


class AdjustForm(forms.Form):
    amount = PointsFormField(
        label=_("Points"), help_text=_("Positive to grant, negative to take back (e.g. -2.5).")
    )
    reason = forms.CharField(max_length=200, help_text=_("Shown to the user in their history."))


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = ("user", "points", "updated_at")
    list_select_related = ("user",)
    search_fields = ("user__email",)
    fields = ("user", "points", "updated_at", "adjust_link")
    readonly_fields = fields

    @admin.display(description=_("balance"))
    def points(self, wallet):
        return format_points(wallet.balance)

    @admin.display(description=_("adjust"))
    def adjust_link(self, wallet):
        url = reverse("admin:billing_wallet_adjust", args=[wallet.pk])
        return format_html('<a href="{}">{}</a>', url, _("Grant or take back points"))

    def get_urls(self):
        adjust = self.admin_site.admin_view(self.adjust_view)
        return [
            path("<int:wallet_id>/adjust/", adjust, name="billing_wallet_adjust"),
            *super().get_urls(),
        ]

    def adjust_view(self, request, wallet_id):
        """A staff grant or clawback through the ledger, recorded with who and why."""
        if not (
            request.user.has_perm("billing.add_entry")
            or request.user.has_perm("staff.adjust_points")
        ):
            raise PermissionDenied
        wallet = get_object_or_404(Wallet.objects.select_related("user"), pk=wallet_id)
        form = AdjustForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            amount = form.cleaned_data["amount"]
            adjust = services.grant_points if amount > 0 else services.claw_back_points
            try:
                # Through the staff services, so the audit log has the adjustment too.
                adjust(wallet.user, abs(amount), request.user, form.cleaned_data["reason"])
            except (ledger.LedgerError, services.StaffActionError) as error:
                form.add_error("amount", str(error))
            else:
                messages.success(request, _("The balance was adjusted."))
                return redirect("admin:billing_wallet_change", wallet.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Adjust points of %s") % wallet.user,
            "form": form,
            "wallet": wallet,
            "balance": format_points(wallet.balance),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "billing/admin_adjust.html", context)


from billing import payment_admin  # noqa: E402, F401 - registers the catalogue and payment records
