"""Helpers for the staff panel tests: staff members by role, jobs made the way users make them."""

from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from generation.models import Job
from tests.conftest import make_user
from tests.gen_helpers import give_points, t2v_data
from webapp.staff.groups import ensure_staff_groups


def staff_member(email: str, *roles: str):
    """A staff user in the given groups ("Moderators", "Support", "Admins")."""
    ensure_staff_groups()
    user = make_user(email, is_staff=True)
    user.groups.set(Group.objects.filter(name__in=roles))
    return user


def submit_job(user, points: int = 100, **overrides) -> Job:
    """A queued text-to-video job, submitted through the create page like a user would."""
    give_points(user, points, ref=f"staff-test-{Job.objects.count()}")
    client = Client()
    client.force_login(user)
    response = client.post(reverse("generation:create"), t2v_data(**overrides))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Job.objects.filter(user=user).latest("pk")


def flagged_output_job(user, points: int = 100) -> Job:
    """A job whose finished output screening held for review, made by the real steps a worker
    takes: submitted, claimed, then finished with an output-screening hit (the detector's verdict
    is the only thing given). Its poster is a real PNG; its points are still held."""
    from django.core.files.base import ContentFile

    from generation import services
    from generation.models import Asset
    from generation.moderation.verdict import REVIEW, Hit
    from tests.gen_helpers import png_bytes

    job = submit_job(user, points)
    assert services.claim(job.pk, "test-worker") is not None

    def store_outputs(job):
        poster = Asset(
            job=job,
            kind=Asset.Kind.POSTER,
            content_type="image/png",
            width=64,
            height=48,
            size_bytes=0,
        )
        data = png_bytes((64, 48), (220, 30, 30))
        poster.file.save("poster.png", ContentFile(data), save=False)
        poster.size_bytes = len(data)
        poster.save()

    hit = Hit(REVIEW, "output", "output", "nudity", "FEMALE_BREAST_EXPOSED", 0.47)
    assert services.succeed(job.pk, store_outputs, review=hit)
    job.refresh_from_db()
    assert job.status == Job.Status.REVIEW
    return job
