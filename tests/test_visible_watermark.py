"""The visible watermark: on a free user's video, poster, preview and pictures, not a member's.

The jobs run on a real Celery worker with the tiny model; the files are fetched through the
site's file view and decoded back (PyAV, Pillow).
"""

import io

import numpy as np
import pytest
from django.urls import reverse
from PIL import Image

from generation.media import decode_video
from generation.models import Asset, Job
from tests.conftest import start_worker, stop_worker, subscribe, wait_for
from tests.gen_helpers import give_points, t2v_data
from tests.provenance_helpers import corner_change, difference

pytestmark = pytest.mark.django_db(transaction=True)
CREATE = reverse("generation:create")


@pytest.fixture(scope="module")
def gen_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        worker = start_worker(tmp_path_factory.mktemp("worker"), env={"JOB_HEARTBEAT_SECONDS": "1"})
    yield worker
    stop_worker(worker)


def make_member(user):
    subscribe(user, "pro")


def run_job(client, user, data) -> Job:
    client.force_login(user)
    give_points(user, 100)
    response = client.post(CREATE, data)
    assert response.status_code == 302, response.context["form"].errors
    job_id = int(response.url.rstrip("/").split("/")[-1])
    job = wait_for(
        lambda: Job.objects.filter(pk=job_id, status__in=Job.FINISHED).first(),
        timeout=240,
        message=f"job {job_id} to finish",
    )
    assert job.status == Job.Status.SUCCEEDED, job.error_message
    return job


def fetch(client, asset: Asset) -> bytes:
    response = client.get(reverse("generation:asset", args=[asset.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def master(asset: Asset) -> bytes:
    with asset.file.open("rb") as f:
        return f.read()


def pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))[None]


def test_a_free_users_video_poster_and_preview_carry_the_mark_and_a_members_do_not(
    client, alice, bob, gen_worker
):
    make_member(bob)
    # Fixed seeds: the tiny model's output, and so every figure below, is the same each run.
    free_job = run_job(client, alice, t2v_data(seed="4242"))
    member_job = run_job(client, bob, t2v_data(seed="4243"))
    assert free_job.watermarked and not member_job.watermarked

    client.force_login(alice)
    video = free_job.assets.get(kind="video")
    served, _fps = decode_video(fetch(client, video))
    clean, _fps = decode_video(master(video))
    # The corner differs from the clean master by a visible amount; elsewhere nearly equal.
    assert difference(served, clean, inside_mark=True) > 12
    assert difference(served, clean, inside_mark=False) < 4
    # And what is there is the mark: a second coat barely changes it.
    assert corner_change(served) < 0.5 * corner_change(clean)
    for kind in ("poster", "preview"):
        asset = free_job.assets.get(kind=kind)
        served_still, clean_still = pixels(fetch(client, asset)), pixels(master(asset))
        assert served_still.shape == clean_still.shape
        assert difference(served_still, clean_still, inside_mark=True) > 12, kind
        # A second coat moves marked pixels about 0.3x as far (unmarked ones: 1x); the poster's
        # JPEG and the preview's lossy WebP (quality 60) blur the small mark, more so over the
        # saturated top-right corner of these seeds' frames (0.51 for the poster), so the bounds
        # are looser there.
        bound = 0.6 if kind == "poster" else 0.75
        assert corner_change(served_still) < bound * corner_change(clean_still), kind

    client.force_login(bob)
    video = member_job.assets.get(kind="video")
    data = fetch(client, video)
    assert data == master(video)  # the member gets the clean master itself
    assert not video.marked_file  # and no marked variant was ever made
    # Drawing the mark on the member's video would change its corner visibly: it is not there.
    member_frames, _fps = decode_video(data)
    assert corner_change(member_frames) > 12


def test_a_free_users_pictures_carry_the_mark(client, alice, gen_worker):
    job = run_job(client, alice, t2v_data(kind="text_to_picture", num_images="2", seed="99"))
    pictures = job.assets.filter(kind="picture")
    assert pictures.count() == 2
    for picture in pictures:
        served, clean = pixels(fetch(client, picture)), pixels(master(picture))
        assert Image.open(io.BytesIO(fetch(client, picture))).format == "PNG"
        assert difference(served, clean, inside_mark=True) > 12
        # Lossless PNGs: outside the mark the two are identical.
        assert difference(served, clean, inside_mark=False) == 0
