"""Across real processes: a photo held for review waits, holding its points, until a staff
approval sends it to a real worker, which screens the outputs (NudeNet loaded in the worker)
and finishes the job."""

import pytest
from django.urls import reverse

from billing.models import Hold
from generation.models import Job
from generation.moderation import review
from generation.moderation.models import Flag, PhotoRule
from tests.conftest import make_user, start_worker, stop_worker, wait_for
from tests.fixtures.portraits import blurred, png, portrait
from tests.gen_helpers import give_points
from tests.moderation_helpers import CREATE, i2v_data, seed_rules, submit, upload

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_approved_photo_runs_on_a_real_worker_and_is_charged(client, tmp_path):
    seed_rules()
    PhotoRule.objects.create(detector_class="FACE_FEMALE", refuse_at=0.99, review_at=0.5)
    user = make_user("mei@example.com")
    staff = make_user("moderator@example.com", is_staff=True)
    client.force_login(user)
    client.get(CREATE)
    give_points(user, 100)
    worker = start_worker(tmp_path, env={"JOB_HEARTBEAT_SECONDS": "1"})
    try:
        submit(client, i2v_data(), {"image": upload("mum.png", png(blurred(portrait())))})
        job = Job.objects.get(user=user)
        assert job.status == Job.Status.REVIEW
        flag = job.flags.get(status=Flag.Status.PENDING)
        assert flag.kind == Flag.Kind.UPLOAD
        # Held, not sent: nothing reaches the worker before a decision.
        assert Job.objects.get(pk=job.pk).attempts == 0
        assert review.approve(flag, staff, "a family portrait")
        done = wait_for(
            lambda: Job.objects.filter(pk=job.pk, status__in=Job.FINISHED).first(),
            timeout=240,
            message="the approved job to finish",
        )
        assert done.status == Job.Status.SUCCEEDED, f"{done.error_message}\n{worker.log()}"
        assert Hold.objects.get(ref=done.ledger_ref).status == Hold.Status.CAPTURED
        video = done.assets.get(kind="video")
        assert client.get(reverse("generation:asset", args=[video.pk])).status_code == 200
    finally:
        stop_worker(worker)
