"""Staff see every user's API tokens (never a secret: only its prefix) and revoke them; each
revocation is audited. Staff who may manage users (Support, Admins) may do this."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from webapp.api import tokens
from webapp.api.models import AccessToken
from webapp.staff.admin_mixins import ReadOnlyAdmin

MANAGE_USERS = "staff.manage_users"


@admin.register(AccessToken)
class AccessTokenAdmin(ReadOnlyAdmin):
    list_display = (
        "prefix",
        "name",
        "user",
        "scopes",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("revoked_at", "created_at")
    list_select_related = ("user",)
    search_fields = ("prefix", "name", "user__email")
    fields = (
        "prefix",
        "name",
        "user",
        "scopes",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    )
    readonly_fields = fields
    actions = ["revoke_tokens"]

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(MANAGE_USERS) or super().has_view_permission(request, obj)

    def has_module_permission(self, request):
        return request.user.has_perm(MANAGE_USERS) or super().has_module_permission(request)

    def has_revoke_permission(self, request):
        return request.user.has_perm(MANAGE_USERS)

    @admin.action(description=_("Revoke the selected tokens"), permissions=["revoke"])
    def revoke_tokens(self, request, queryset):
        count = sum(
            tokens.revoke(token, request.user, reason=str(_("revoked in the admin")))
            for token in queryset.select_related("user")
        )
        self.message_user(
            request,
            ngettext("%(n)d token revoked.", "%(n)d tokens revoked.", count) % {"n": count},
            messages.SUCCESS,
        )
