from django.db import migrations, models


def fill_canonical(apps, schema_editor):
    """Existing accounts get their canonical address; if two already share a mailbox, the older
    keeps it and the newer stays empty (both keep working; staff can merge them)."""
    from webapp.accounts.emails import canonical_email

    User = apps.get_model("accounts", "User")
    seen = set()
    for user in User.objects.order_by("pk").only("pk", "email"):
        canonical = canonical_email(user.email)
        if canonical in seen:
            continue
        seen.add(canonical)
        User.objects.filter(pk=user.pk).update(email_canonical=canonical)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_notify_job_finished"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_canonical",
            field=models.CharField(editable=False, max_length=254, null=True),
        ),
        migrations.RunPython(fill_canonical, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user",
            name="email_canonical",
            field=models.CharField(editable=False, max_length=254, null=True, unique=True),
        ),
    ]
