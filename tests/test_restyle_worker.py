"""A restyle end to end on the tiny model: an uploaded clip through the create form, a real
broker and worker; the MP4 (decoded with PyAV) lasts as long as the source clip, carries content
credentials naming the job, and its points are held then captured."""

import io

import av
import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from billing import ledger
from billing.models import Hold
from generation.engine.specs import get_spec
from generation.models import Asset, Job
from tests.conftest import module_worker, wait_for
from tests.gen_helpers import clip_bytes, give_points, restyle_data
from tests.test_content_credentials import assert_names_the_job

pytestmark = pytest.mark.django_db(transaction=True)
CREATE = reverse("generation:create")


# One step per window: the restyle's path, not the denoising, is under test.
worker = module_worker(GENERATION_STEPS="text_to_video=1")


def decoded(field) -> tuple[np.ndarray, float]:
    with field.open("rb") as f, av.open(io.BytesIO(f.read())) as container:
        stream = container.streams.video[0]
        frames = np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(stream)])
        return frames, float(stream.average_rate)


def test_the_restyled_video_lasts_as_long_as_its_source(client, alice, worker):
    client.force_login(alice)
    client.get(CREATE)  # the day's daily points come before we measure
    give_points(alice, 100)
    before = ledger.balance(alice)
    upload = SimpleUploadedFile("walk.mp4", clip_bytes(2.5, fps=24, size=(320, 180)))
    response = client.post(CREATE, {**restyle_data(), "video": upload})
    assert response.status_code == 302, response.context["form"].errors
    job = Job.objects.get(user=alice)
    assert Hold.objects.get(ref=job.ledger_ref).status == Hold.Status.HELD
    assert job.points_held == 60  # 2.5 s is priced as 3 s: 6 points
    job = wait_for(
        lambda: Job.objects.filter(pk=job.pk, status__in=Job.FINISHED).first(),
        timeout=300,
        message=f"job {job.pk} to finish",
    )
    assert job.status == Job.Status.SUCCEEDED, job.error_message

    spec = get_spec("tiny")
    source, source_fps = decoded(job.input_video)
    asset = job.assets.get(kind=Asset.Kind.VIDEO)
    result, fps = decoded(asset.file)
    assert len(source) == 20 and source_fps == spec.fps  # 2.5 s at 8 fps
    assert result.shape == (len(source), 288, 512, 3) and fps == source_fps
    assert len(result) / fps == pytest.approx(job.params["source_s"], abs=1 / spec.fps)
    assert asset.duration_s == pytest.approx(2.5)
    # Provenance as for any video, through the same post-processing: content credentials
    # naming this job on the clean master and (a free plan) the visibly marked variant.
    with asset.file.open("rb") as f:
        assert_names_the_job(f.read(), "video/mp4", job, visible_mark=False)
    with asset.marked_file.open("rb") as f:
        assert_names_the_job(f.read(), "video/mp4", job, visible_mark=True)
    # Held on submit, captured on success.
    assert ledger.balance(alice) == before - 60
    assert Hold.objects.get(ref=job.ledger_ref).status == Hold.Status.CAPTURED
    assert ledger.audit_wallet(alice).ok
