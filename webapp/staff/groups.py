"""The staff roles, as Django groups. Kept in code and brought up to date after every `migrate`
(and after the test runner flushes the database), so a fresh installation has them and a change
here reaches existing installations. Permissions not installed yet are skipped."""

from django.contrib.auth.models import Group, Permission

MODERATORS = "Moderators"
SUPPORT = "Support"
ADMINS = "Admins"

RULE_MODELS = ("blockedterm", "bannedconcept", "photorule")

ROLES = {
    MODERATORS: [
        "staff.view_dashboard",
        "staff.moderate_content",
        "staff.view_auditentry",
        "moderation.view_flag",
        "moderation.change_flag",
        *(f"moderation.view_{model}" for model in RULE_MODELS),
        "generation.view_job",
        "accounts.view_user",
    ],
    SUPPORT: [
        "staff.view_dashboard",
        "staff.manage_users",
        "staff.adjust_points",
        "staff.view_auditentry",
        "moderation.view_flag",
        "generation.view_job",
        "accounts.view_user",
        "billing.view_wallet",
        "billing.view_entry",
        "billing.view_lot",
        "billing.view_membership",
    ],
    ADMINS: [
        "staff.view_dashboard",
        "staff.moderate_content",
        "staff.manage_users",
        "staff.adjust_points",
        "staff.view_auditentry",
        "moderation.view_flag",
        "moderation.change_flag",
        *(
            f"moderation.{verb}_{model}"
            for model in RULE_MODELS
            for verb in ("view", "add", "change", "delete")
        ),
        "generation.view_job",
        "accounts.view_user",
        "accounts.change_user",
        "billing.view_wallet",
        "billing.view_entry",
        "billing.view_lot",
        "billing.view_tier",
        "billing.change_tier",
        # The effects catalogue (generation/admin.py).
        *(f"generation.{verb}_effect" for verb in ("view", "add", "change", "delete")),
        "billing.view_membership",
        "billing.add_membership",
        "billing.change_membership",
        "webapp.view_workerheartbeat",
    ],
}


def ensure_staff_groups(**kwargs) -> None:
    """Create the groups and give each exactly the permissions listed in ROLES."""
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)
