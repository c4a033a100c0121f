"""A video from reference photos end to end on the tiny model: the create form, a real broker
and worker running the tiny Wan VACE; the MP4 lasts its 5 s at the demo's size, carries
content credentials naming the job, and its points are held then captured."""

import av
import pytest
from django.urls import reverse

from billing import ledger
from billing.models import Hold
from generation.engine.specs import get_spec
from generation.models import Asset, Job
from tests.conftest import module_worker, signed_in, wait_for
from tests.gen_helpers import png_bytes, t2v_data
from tests.moderation_helpers import upload
from tests.test_content_credentials import assert_names_the_job

pytestmark = pytest.mark.django_db(transaction=True)
CREATE = reverse("generation:create")


# One step: the references' path through the worker, not the denoising, is under test.
worker = module_worker(GENERATION_STEPS="references=1")


@pytest.fixture
def member(client, alice):
    return signed_in(client, alice, "standard")


def test_the_reference_video_is_made_marked_and_paid_for(client, member, worker):
    before = ledger.balance(member)
    photos = [
        upload("me.png", png_bytes((120, 80), (20, 200, 40))),
        upload("hat.jpg", png_bytes((60, 90), (200, 30, 30), "JPEG")),
    ]
    data = {**t2v_data(kind="references", prompt="a man in a red hat waves"), "references": photos}
    response = client.post(CREATE, data)
    assert response.status_code == 302, response.context["form"].errors
    job = Job.objects.get(user=member)
    assert job.references.count() == 2
    assert Hold.objects.get(ref=job.ledger_ref).status == Hold.Status.HELD
    job = wait_for(
        lambda: Job.objects.filter(pk=job.pk, status__in=Job.FINISHED).first(),
        timeout=900,  # the tiny Wan VAE is slow on a loaded CPU: minutes, not seconds
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
        size = (stream.codec_context.width, stream.codec_context.height)
    spec = get_spec("tiny")
    frames, spec_fps = spec.frames_for(5)  # 41 frames at 8 fps
    assert (decoded, round(fps), size) == (frames, spec_fps, spec.size_for("16:9"))
    assert asset.frames == frames and asset.duration_s == pytest.approx(5, abs=1 / spec_fps)
    # Provenance as for any video: content credentials naming this job (Standard: no visible
    # watermark).
    assert not job.watermarked
    assert_names_the_job(data, "video/mp4", job, visible_mark=False)
    # Held on submit, captured on success: a 5 s video's 10 points.
    assert ledger.balance(member) == before - 100
    assert Hold.objects.get(ref=job.ledger_ref).status == Hold.Status.CAPTURED
    assert ledger.audit_wallet(member).ok
