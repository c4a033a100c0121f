"""The three membership tiers. Staff can tune their entitlements in the admin afterwards."""

from django.db import migrations

# Monthly points are in tenths of a point: 6600 = 660 points.
TIERS = [
    {
        "code": "standard",
        "name": "Standard",
        "rank": 1,
        "monthly_points": 6600,
        "no_watermark": True,
        "professional_mode": True,
        "video_extension": True,
        "camera_movement": False,
        "priority_queue": True,
        "max_concurrent_jobs": 3,
        "max_resolution": 1080,
    },
    {
        "code": "pro",
        "name": "Pro",
        "rank": 2,
        "monthly_points": 30000,
        "no_watermark": True,
        "professional_mode": True,
        "video_extension": True,
        "camera_movement": True,
        "priority_queue": True,
        "max_concurrent_jobs": 5,
        "max_resolution": 1080,
    },
    {
        "code": "premier",
        "name": "Premier",
        "rank": 3,
        "monthly_points": 80000,
        "no_watermark": True,
        "professional_mode": True,
        "video_extension": True,
        "camera_movement": True,
        "priority_queue": True,
        "max_concurrent_jobs": 10,
        "max_resolution": 1080,
    },
]


def seed(apps, schema_editor):
    Tier = apps.get_model("billing", "Tier")
    for tier in TIERS:
        Tier.objects.update_or_create(code=tier["code"], defaults=tier)


def unseed(apps, schema_editor):
    apps.get_model("billing", "Tier").objects.filter(code__in=[t["code"] for t in TIERS]).delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
