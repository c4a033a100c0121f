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
