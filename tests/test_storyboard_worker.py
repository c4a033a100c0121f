"""A storyboard end to end on the tiny model: the create form, a real broker and worker; the MP4
lasts the sum of its shots, carries content credentials naming the job, and its points are
held then captured."""

import av
import pytest
from django.urls import reverse

from billing import ledger
from billing.models import Hold
from generation.engine.specs import get_spec
from generation.models import Asset, Job
from tests.conftest import module_worker, signed_in, wait_for
from tests.gen_helpers import storyboard_data
from tests.test_content_credentials import assert_names_the_job

pytestmark = pytest.mark.django_db(transaction=True)
CREATE = reverse("generation:create")


# One step per call: the storyboard's calls, not the denoising, are under test.
worker = module_worker(GENERATION_STEPS="text_to_video=1,extend=1")


@pytest.fixture
def member(client, alice):
    return signed_in(client, alice, "standard")


def test_the_storyboard_video_lasts_the_sum_of_its_shots(client, member, worker):
    before = ledger.balance(member)
    data = storyboard_data(("a red kite over a green hill", 2), ("the kite falls into a lake", 3))
    response = client.post(CREATE, data)
    assert response.status_code == 302, response.context["form"].errors
    job = Job.objects.get(user=member)
    assert Hold.objects.get(ref=job.ledger_ref).status == Hold.Status.HELD
    job = wait_for(
        lambda: Job.objects.filter(pk=job.pk, status__in=Job.FINISHED).first(),
        timeout=300,
        message=f"job {job.pk} to finish",
    )
    assert job.status == Job.Status.SUCCEEDED, job.error_message

    asset = job.assets.get(kind=Asset.Kind.VIDEO)
    with asset.file.open("rb") as f:
        data = f.read()
    with av.open(asset.file.open("rb")) as container:
        stream = container.streams.video[0]
        decoded = sum(1 for _frame in container.decode(stream))
        fps = float(stream.average_rate)
    spec = get_spec("tiny")
    frames, spec_fps = spec.frames_for(2 + 3)  # 41 frames at 8 fps: 5 s
    assert (decoded, round(fps)) == (frames, spec_fps)
    assert asset.frames == frames and asset.duration_s == pytest.approx(5, abs=1 / spec_fps)
    # Provenance as for any video: content credentials naming this job (Standard: no visible
    # watermark).
    assert not job.watermarked
    assert_names_the_job(data, "video/mp4", job, visible_mark=False)
    # Held on submit, captured on success: 5 s at 2 points a second.
    assert ledger.balance(member) == before - 100
    assert Hold.objects.get(ref=job.ledger_ref).status == Hold.Status.CAPTURED
    assert ledger.audit_wallet(member).ok


def test_a_storyboard_made_through_the_api_lasts_the_sum_of_its_shots(member, worker):
    from tests.api_helpers import api_client, token_for

    api = api_client(token_for(member))
    before = ledger.balance(member)
    shots = [
        {"prompt": "a paper lantern rises", "duration_s": 1},
        {"prompt": "灯笼飘过屋顶", "duration_s": 2},
        {"prompt": "it vanishes into the stars", "duration_s": 1},
    ]
    response = api.post(
        "/api/v1/jobs", {"kind": "storyboard", "shots": shots}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    job_id = response.json()["id"]
    assert Hold.objects.get(ref=f"job:{job_id}").status == Hold.Status.HELD
    job = wait_for(
        lambda: Job.objects.filter(pk=job_id, status__in=Job.FINISHED).first(),
        timeout=300,
        message=f"job {job_id} to finish",
    )
    assert job.status == Job.Status.SUCCEEDED, job.error_message
    body = api.get(f"/api/v1/jobs/{job_id}").json()
    video = next(output for output in body["outputs"] if output["kind"] == "video")
    spec = get_spec("tiny")
    frames, spec_fps = spec.frames_for(1 + 2 + 1)
    assert video["duration_s"] == pytest.approx(4, abs=1 / spec_fps)
    asset = job.assets.get(kind=Asset.Kind.VIDEO)
    with av.open(asset.file.open("rb")) as container:
        stream = container.streams.video[0]
        decoded = sum(1 for _frame in container.decode(stream))
        fps = float(stream.average_rate)
    assert (decoded, round(fps)) == (frames, spec_fps)
    with asset.file.open("rb") as f:
        assert_names_the_job(f.read(), "video/mp4", job, visible_mark=False)
    # 4 s at 2 points a second, held on submit and captured on success.
    assert ledger.balance(member) == before - 80
    assert Hold.objects.get(ref=job.ledger_ref).status == Hold.Status.CAPTURED
