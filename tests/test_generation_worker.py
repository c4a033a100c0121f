"""End to end on the tiny model: the create form, a real broker and worker, real MP4s."""

import io
import os
import signal
import subprocess

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from billing import ledger
from billing.models import Hold
from generation.engine.specs import get_spec
from generation.media import decode_video
from generation.models import Asset, Job
from tests.conftest import signed_in, start_worker, stop_worker, wait_for
from tests.gen_helpers import t2v_data

pytestmark = pytest.mark.django_db(transaction=True)
CREATE = reverse("generation:create")
FAST = {"JOB_HEARTBEAT_SECONDS": "1"}


@pytest.fixture(scope="module")
def gen_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        worker = start_worker(tmp_path_factory.mktemp("worker"), env=FAST)
    yield worker
    stop_worker(worker)


@pytest.fixture
def member(client, alice):
    """Alice on the Pro plan, signed in, with plenty of points."""
    return signed_in(client, alice, "pro", points=500)


def submit(client, data, files=None) -> Job:
    response = client.post(CREATE, {**data, **(files or {})})
    assert response.status_code == 302, response.context["form"].errors
    return Job.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))


def finished(job: Job, timeout=240) -> Job:
    return wait_for(
        lambda: Job.objects.filter(pk=job.pk, status__in=Job.FINISHED).first(),
        timeout=timeout,
        message=f"job {job.pk} to finish",
    )


def video_of(job: Job):
    asset = job.assets.get(kind=Asset.Kind.VIDEO)
    with asset.file.open("rb") as f:
        frames, fps = decode_video(f.read())
    return asset, frames, fps


def test_text_to_video_makes_an_mp4_of_the_requested_size_and_length(client, member, gen_worker):
    before = ledger.balance(member)
    job = finished(submit(client, t2v_data(aspect_ratio="9:16")))
    assert job.status == Job.Status.SUCCEEDED, job.error_message
    spec = get_spec("tiny")
    asset, frames, fps = video_of(job)
    num_frames, expected_fps = spec.frames_for(5)
    width, height = spec.size_for("9:16")
    assert frames.shape == (num_frames, height, width, 3)
    assert round(fps) == expected_fps
    assert (asset.width, asset.height, asset.frames, asset.fps) == (
        width,
        height,
        num_frames,
        expected_fps,
    )
    assert {a.kind for a in job.assets.all()} == {"video", "poster", "preview"}
    # Held on submit, captured on success.
    assert ledger.balance(member) == before - 100
    assert Hold.objects.get(ref=job.ledger_ref).status == Hold.Status.CAPTURED
    assert ledger.audit_wallet(member).ok
    # The owner is told by e-mail (the worker's console mail backend prints it).
    wait_for(lambda: "Your video is ready" in gen_worker.log(), message="the e-mail")


def striped(size=(512, 288)) -> bytes:
    x = np.arange(size[0])[None, :, None]
    pattern = ((x // 32) % 2 * 255).repeat(size[1], axis=0).repeat(3, axis=2).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pattern).save(buf, format="PNG")
    return buf.getvalue()


def test_image_to_video_starts_from_the_uploaded_photo(client, member, gen_worker):
    photo = striped()
    job = finished(
        submit(
            client,
            t2v_data(kind="image_to_video", prompt=""),
            {"image": SimpleUploadedFile("old.png", photo, "image/png")},
        )
    )
    assert job.status == Job.Status.SUCCEEDED, job.error_message
    assert job.prompt.startswith("The people in this old photo")  # the one-click default
    _asset, frames, _fps = video_of(job)
    first = frames[0].astype(float).mean(axis=2)
    target = np.asarray(Image.open(io.BytesIO(photo)).convert("L").resize(first.shape[::-1]), float)
    assert np.corrcoef(first.ravel(), target.ravel())[0, 1] > 0.5


def test_extend_makes_a_longer_video_from_the_source(client, member, gen_worker):
    source = finished(submit(client, t2v_data()))
    _a, source_frames, _fps = video_of(source)
    job = finished(
        submit(
            client, t2v_data(kind="extend", source_job=str(source.pk), prompt="the boat sails on")
        )
    )
    assert job.status == Job.Status.SUCCEEDED, job.error_message
    _a, frames, _fps = video_of(job)
    assert len(frames) > len(source_frames)
    assert frames.shape[1:] == source_frames.shape[1:]


def test_text_to_picture_makes_n_pictures(client, member, gen_worker):
    before = ledger.balance(member)
    job = finished(submit(client, t2v_data(kind="text_to_picture", num_images="3")))
    assert job.status == Job.Status.SUCCEEDED, job.error_message
    pictures = job.assets.filter(kind=Asset.Kind.PICTURE)
    assert pictures.count() == 3
    for picture in pictures:
        with picture.file.open("rb") as f:
            assert Image.open(f).size == (picture.width, picture.height)
    assert ledger.balance(member) == before - 6  # 3 × 0.2 points


def wait_running(job, progress=1):
    return wait_for(
        lambda: Job.objects.filter(
            pk=job.pk, status=Job.Status.RUNNING, progress__gte=progress
        ).first(),
        timeout=120,
        interval=0.05,
        message=f"job {job.pk} to be running",
    )


def test_cancel_while_running_releases_points_and_frees_the_worker(client, member, gen_worker):
    before = ledger.balance(member)
    job = submit(client, t2v_data(duration_s="10"))
    wait_running(job)
    client.post(reverse("generation:cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELED
    assert ledger.balance(member) == before
    # The worker stops at its next step and takes the next job.
    nxt = finished(submit(client, t2v_data()))
    assert nxt.status == Job.Status.SUCCEEDED
    assert Job.objects.get(pk=job.pk).status == Job.Status.CANCELED
    assert not Asset.objects.filter(job=job).exists()


def pool_children(worker_pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(worker_pid)], capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


def test_worker_killed_mid_job_retries_or_refunds_never_stuck(client, member, gen_worker):
    before = ledger.balance(member)
    job = submit(client, t2v_data(duration_s="10"))
    wait_running(job)
    # SIGKILL the pool process running the job; the worker's parent starts a new one.
    for pid in pool_children(gen_worker.pid):
        os.kill(pid, signal.SIGKILL)
    job = finished(job, timeout=300)
    assert job.attempts == 2
    if job.status == Job.Status.SUCCEEDED:
        assert ledger.balance(member) == before - 200
    else:
        assert job.status == Job.Status.FAILED
        assert ledger.balance(member) == before
    assert ledger.audit_wallet(member).ok


def test_warm_up_loads_the_model_in_the_pool_process_not_the_parent(tmp_path):
    worker = start_worker(tmp_path, env={"GENERATION_WARMUP": "true"})
    try:
        wait_for(
            lambda: "pipelines warm in pool process" in worker.log(),
            timeout=120,
            message="the warm-up log line",
        )
        line = next(x for x in worker.log().splitlines() if "pipelines warm in pool process" in x)
        pid = int(line.split("pool process ")[1].split(":")[0])
        assert pid in pool_children(worker.pid)
        with open(f"/proc/{worker.pid}/maps") as maps:
            assert "libtorch" not in maps.read()  # the parent never loaded torch
    finally:
        stop_worker(worker)
