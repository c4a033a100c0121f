"""Submitting a restyle: the clip is checked and normalised with PyAV, its frames screened,
priced per second of the clip, all before any point is held; bad clips say why and hold nothing;
the source clip is its owner's only."""

import io

import av
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from billing import ledger
from generation import services
from generation.engine.specs import get_spec
from generation.engine.types import RESTYLE
from generation.models import Job
from generation.moderation.models import PhotoRule
from tests.fixtures.portraits import blurred, portrait
from tests.gen_helpers import clip_bytes, held_refs, png_bytes, refused, restyle_data
from tests.provenance_helpers import finished_job

pytestmark = pytest.mark.django_db
CREATE = reverse("generation:create")
PRICE = reverse("generation:price")


def clip(data: bytes, name="clip.mp4", content_type="video/mp4"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_an_uploaded_clip_is_normalised_to_the_spec_and_priced_per_second(
    client, user, django_capture_on_commit_callbacks
):
    before = ledger.balance(user)
    upload = clip(clip_bytes(3, fps=24, size=(320, 180)))
    with django_capture_on_commit_callbacks():
        response = client.post(CREATE, {**restyle_data(), "video": upload})
    job = Job.objects.get(user=user)
    assert response.status_code == 302, response.context["form"].errors
    assert job.kind == RESTYLE and job.status == Job.Status.QUEUED
    assert job.params["strength"] == 0.5
    assert job.params["duration_s"] == 3 and job.params["source_s"] == pytest.approx(3, abs=0.05)
    assert job.params["aspect_ratio"] == "16:9"
    # 3 s at 2 points a second, held until it finishes.
    assert job.points_held == 60 and held_refs(user) == [job.ledger_ref]
    assert ledger.balance(user) == before - 60
    # Kept at the demo spec's generation size and frame rate: 512x288, 8 fps, 24 frames.
    spec = get_spec("tiny")
    with job.input_video.open("rb") as f, av.open(io.BytesIO(f.read())) as container:
        stream = container.streams.video[0]
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(stream)]
        assert round(float(stream.average_rate)) == spec.fps
    assert len(frames) == 3 * spec.fps and frames[0].shape == (288, 512, 3)


def test_a_portrait_clip_is_kept_portrait(client, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        client.post(CREATE, {**restyle_data(), "video": clip(clip_bytes(1, size=(64, 112)))})
    job = Job.objects.get(user=user)
    assert job.params["aspect_ratio"] == "9:16" and job.params["duration_s"] == 1


def test_the_live_price_follows_the_clip_length_and_mode(client, user):
    standard = client.get(PRICE, {"kind": "restyle", "restyle_seconds": "4", "mode": "standard"})
    assert standard.content.decode() == "8"
    pro = client.get(PRICE, {"kind": "restyle", "restyle_seconds": "4", "mode": "professional"})
    assert pro.content.decode() == "28"
    # No clip chosen yet (or a length the page could not read): no price rather than a wrong one.
    assert client.get(PRICE, {"kind": "restyle", "mode": "standard"}).content.decode() == ""
    assert client.get(PRICE, {"kind": "restyle", "restyle_seconds": "11"}).content == b""


def test_a_clip_over_10_s_is_refused_and_holds_nothing(client, user):
    upload = clip(clip_bytes(12, fps=4, size=(64, 48)))
    page = refused(client, user, {**restyle_data(), "video": upload})
    assert "The clip is 12.0 s long; restyles take clips of up to 10 s." in page


def test_a_file_that_is_not_a_video_is_refused_and_holds_nothing(client, user):
    upload = clip(png_bytes(), name="holiday.mp4")
    page = refused(client, user, {**restyle_data(), "video": upload})
    assert "This file is not a video we can read; please upload an MP4, MOV or WebM clip." in page


def test_a_clip_of_more_than_4k_pixels_is_refused(client, user):
    upload = clip(clip_bytes(1, fps=1, size=(4000, 2240)))
    page = refused(client, user, {**restyle_data(), "video": upload})
    assert "The clip is 4000×2240; please upload one of 4K (3840×2160) or smaller." in page


def test_a_restyle_needs_a_clip_and_a_prompt(client, user):
    page = refused(client, user, restyle_data(prompt=""))
    assert "Upload a clip or pick one of your videos to restyle." in page
    assert "Describe the change you want." in page


def test_a_banned_frame_refuses_the_clip_with_a_clear_message_and_holds_nothing(client, user):
    # A staff rule the drawn portrait trips (tests/test_moderation_photos.py).
    PhotoRule.objects.create(detector_class="FACE_FEMALE", refuse_at=0.5)
    before = ledger.balance(user)
    upload = clip(clip_bytes(2, frame=blurred(portrait())))
    client.post(CREATE, {**restyle_data(), "video": upload})
    job = Job.objects.get(user=user)
    assert job.status == Job.Status.REJECTED and job.points_held == 0
    assert held_refs(user) == [] and ledger.balance(user) == before
    assert job.error_message.startswith("Your clip was refused: it matches our rules on nudity.")
    flag = job.flags.get()
    assert (flag.kind, flag.field, flag.layer) == ("upload", "input_video", "photo")


def test_one_of_your_own_videos_can_be_restyled(client, user, django_capture_on_commit_callbacks):
    from generation.engine.matrix import moving_clip

    work = finished_job(user, watermarked=True, frames=moving_clip(17, 512, 288))  # 2.1 s
    with django_capture_on_commit_callbacks():
        response = client.post(CREATE, {**restyle_data(), "restyle_source": work.pk})
    assert response.status_code == 302, response.context["form"].errors
    job = Job.objects.get(user=user, kind=RESTYLE)
    assert job.source_job == work and job.input_video
    assert job.params["duration_s"] == 3 and job.points_held == 60


def test_someone_elses_video_cannot_be_restyled(client, user, bob):
    from generation.engine.matrix import moving_clip

    theirs = finished_job(bob, watermarked=True, frames=moving_clip(9, 512, 288))
    page = refused(client, user, {**restyle_data(), "restyle_source": theirs.pk})
    assert "That video is not one of your finished videos." in page


def test_the_source_clip_is_its_owners_only_and_shown_beside_the_job(
    client, user, bob, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        client.post(CREATE, {**restyle_data(), "video": clip(clip_bytes(1))})
    job = Job.objects.get(user=user)
    source = reverse("generation:input_clip", args=[job.pk])
    response = client.get(source)
    assert response.status_code == 200 and response["Content-Type"] == "video/mp4"
    page = client.get(reverse("generation:job", args=[job.pk])).content.decode()
    assert 'data-testid="restyle-pair"' in page and source in page
    client.force_login(bob)
    assert client.get(source).status_code == 404
    assert client.get(reverse("generation:job", args=[job.pk])).status_code == 404


def test_generate_again_refills_the_picked_video_and_shows_its_price(
    client, user, django_capture_on_commit_callbacks
):
    from generation.engine.matrix import moving_clip

    work = finished_job(user, watermarked=True, frames=moving_clip(17, 512, 288))
    with django_capture_on_commit_callbacks():
        client.post(CREATE, {**restyle_data(strength="0.3"), "restyle_source": work.pk})
    job = Job.objects.get(user=user, kind=RESTYLE)
    response = client.get(CREATE, {"from": job.pk})
    assert response.context["form"].initial["restyle_source"] == work.pk
    assert response.context["form"].initial["strength"] == 0.3
    assert response.context["price"] == "6"
    page = response.content.decode()
    assert f'name="restyle_source" value="{work.pk}" data-seconds="2.125" checked' in page


def test_erasing_an_account_removes_its_source_clips(
    client, user, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    from generation.erasure import erase_works

    with django_capture_on_commit_callbacks():
        client.post(CREATE, {**restyle_data(), "video": clip(clip_bytes(1))})
    job = Job.objects.get(user=user)
    services.cancel(job)  # an account's jobs are settled before its works are erased
    name = job.input_video.name
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        erase_works(user)
    assert not default_storage.exists(name)
