from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from webapp.accounts import closing
from webapp.accounts.models import User
from webapp.accounts.permission_names import PermissionsField
from webapp.staff.admin_mixins import AuditedSettingAdmin


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(AuditedSettingAdmin, BaseUserAdmin):
    """Changes here (staff status, groups, permissions) are audited as setting changes.
    Suspending goes through the staff page, which also cancels the user's jobs."""

    add_form = UserCreationAdminForm
    form = UserChangeAdminForm
    ordering = ("-date_joined",)
    list_display = (
        "email",
        "display_name",
        "is_active",
        "is_staff",
        "date_joined",
        "last_login",
        "staff_page",
    )
    list_filter = ("is_active", "is_staff", "groups")
    readonly_fields = ("is_active",)
    search_fields = ("email", "display_name")
    fieldsets = (
        (None, {"fields": ("email", "password", "display_name")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "password1", "password2", "usable_password"),
            },
        ),
    )

    # Deleting here is the same deletion as the staff page's (webapp/accounts/closing.py): the
    # row stays as a pseudonym, because payments and the ledger point at it. Django's own
    # cascade would be refused by those records.
    def get_deleted_objects(self, objs, request):
        return [str(obj) for obj in objs], {}, set(), []

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "user_permissions":
            kwargs["form_class"] = PermissionsField
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def delete_model(self, request, obj):
        closing.delete_account(obj, staff=request.user, reason=_("deleted in the admin"))

    def delete_queryset(self, request, queryset):
        for user in queryset:
            closing.delete_account(user, staff=request.user, reason=_("deleted in the admin"))

    @admin.display(description=_("staff page"))
    def staff_page(self, user):
        # Jobs, points, payments and moderation history together, with suspend and grant forms.
        url = reverse("staff:user", args=[user.pk])
        return format_html(
            '<a href="{}" data-testid="staff-page-{}">{}</a>', url, user.pk, _("open")
        )


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin):
    """The staff roles (Moderators, Support, Admins), their permissions named in the reader's
    language."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "permissions":
            kwargs["form_class"] = PermissionsField
        return super().formfield_for_manytomany(db_field, request, **kwargs)
