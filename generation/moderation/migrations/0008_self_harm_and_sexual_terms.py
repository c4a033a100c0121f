"""Terms an outside-style held-out set showed missing (3 December 2026): self-pleasure worded
without a listed word, and overdoses. Only added where missing: a staff edit stands."""

from django.db import migrations

R, V = "refuse", "review"

TERMS = [
    ("pleasuring herself", "sexual", R),
    ("pleasuring himself", "sexual", R),
    ("touching herself", "sexual", V),
    ("touching himself", "sexual", V),
    ("overdose", "self_harm", V),
    ("服毒自杀", "self_harm", R),
    ("吞药自杀", "self_harm", R),
]


def seed(apps, schema_editor):
    BlockedTerm = apps.get_model("moderation", "BlockedTerm")
    for term, category, action in TERMS:
        BlockedTerm.objects.get_or_create(
            term=term, defaults={"category": category, "action": action}
        )


class Migration(migrations.Migration):
    dependencies = [("moderation", "0007_effects_second_photo")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
