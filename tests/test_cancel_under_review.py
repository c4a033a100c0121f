"""A job its owner cancels while it waits for review leaves the review queue: its flag is closed
with the cancel, and a moderator's approval afterwards runs nothing."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from generation import services
from generation.models import Job
from generation.moderation.models import Flag
from tests.gen_helpers import give_points, t2v_data
from tests.moderation_helpers import CREATE, submit
from tests.staff_helpers import staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(client, alice, django_capture_on_commit_callbacks):
    client.force_login(alice)
    client.get(CREATE)
    give_points(alice, 100)
    with django_capture_on_commit_callbacks():
        submit(client, t2v_data(prompt="a nude figure drawing class"))
    job = Job.objects.latest("pk")
    assert job.status == Job.Status.REVIEW
    return job, job.flags.get(status=Flag.Status.PENDING)


@pytest.fixture
def moderator(db):
    user = staff_member("moderator@example.com", "Moderators")
    staff = Client()
    staff.force_login(user)
    return staff


def test_cancelling_a_job_under_review_closes_its_flag(client, held):
    job, flag = held
    client.post(reverse("generation:cancel", args=[job.pk]))

    flag.refresh_from_db()
    assert flag.status != Flag.Status.PENDING
    assert flag.decided_by is None and flag.decision_note == services.CANCELED_BY_OWNER
    assert not Flag.objects.filter(job=job, status=Flag.Status.PENDING).exists()


def test_the_review_queue_no_longer_offers_a_canceled_job(client, held, moderator):
    job, flag = held
    queue = reverse("admin:moderation_flag_changelist") + "?status__exact=pending"
    assert f"/staff/flags/{flag.pk}/approve/" in moderator.get(queue).content.decode()

    client.post(reverse("generation:cancel", args=[job.pk]))

    assert f"/staff/flags/{flag.pk}/approve/" not in moderator.get(queue).content.decode()


def test_approving_a_canceled_job_s_flag_runs_nothing_and_says_so(
    client, held, moderator, django_capture_on_commit_callbacks
):
    job, flag = held
    client.post(reverse("generation:cancel", args=[job.pk]))

    with django_capture_on_commit_callbacks() as callbacks:
        response = moderator.post(reverse("staff:approve", args=[flag.pk]))

    job.refresh_from_db()
    assert job.status == Job.Status.CANCELED and callbacks == []
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert said == ["This item was already decided."]
    flag.refresh_from_db()
    assert flag.status != Flag.Status.APPROVED


def test_a_running_job_without_flags_cancels_as_before(client, alice):
    client.force_login(alice)
    client.get(CREATE)
    give_points(alice, 100)
    submit(client, t2v_data())
    job = Job.objects.latest("pk")
    assert services.cancel(job)
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELED
