"""1080p at 30 fps for the plans that sell it: a member's professional video on the demo model
comes out of a real worker upscaled and re-timed; a plan without that size or frame rate is
refused at submission, naming the plan that has it, with nothing held."""

from fractions import Fraction

import av
import pytest
from django.urls import reverse

from billing import ledger
from billing.models import Hold, Tier
from generation.models import Asset, Job
from tests.conftest import start_worker, stop_worker, subscribe, wait_for
from tests.gen_helpers import give_points, held_refs, t2v_data

CREATE = reverse("generation:create")


@pytest.fixture(scope="module")
def gen_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        worker = start_worker(tmp_path_factory.mktemp("worker"), env={"JOB_HEARTBEAT_SECONDS": "1"})
    yield worker
    stop_worker(worker)


def member_of(client, user, code: str):
    subscribe(user, code)
    client.force_login(user)
    client.get(CREATE)
    give_points(user, 500)
    return user


def probe(data: bytes) -> tuple[int, int, Fraction, int]:
    """(width, height, frame rate, frames) of an MP4's video stream, read with PyAV (what
    ffprobe reports: the stream's coded size, its average rate, its decoded frames)."""
    import io

    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        return stream.width, stream.height, stream.average_rate, frames


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("aspect", "size"), [("16:9", (1920, 1080)), ("9:16", (1080, 1920))])
def test_a_members_professional_video_is_1080p_at_30_fps(client, alice, gen_worker, aspect, size):
    member_of(client, alice, "standard")
    response = client.post(CREATE, t2v_data(mode="professional", aspect_ratio=aspect))
    assert response.status_code == 302, response.context["form"].errors
    job = Job.objects.get(user=alice)
    job = wait_for(
        lambda: Job.objects.filter(pk=job.pk, status__in=Job.FINISHED).first(),
        timeout=600,  # the upscale runs on two loaded CPU cores here
        message=f"job {job.pk} to finish",
    )
    assert job.status == Job.Status.SUCCEEDED, job.error_message
    video = job.assets.get(kind=Asset.Kind.VIDEO)
    with video.file.open("rb") as f:
        width, height, rate, frames = probe(f.read())
    # 41 frames made at 8 fps (5.1 s), re-timed to 30 fps over the same duration.
    assert (width, height, rate, frames) == (*size, 30, 154)
    assert (video.width, video.height, video.fps, video.frames) == (*size, 30, 154)
    poster = job.assets.get(kind=Asset.Kind.POSTER)
    assert (poster.width, poster.height) == size
    assert Hold.objects.get(ref=job.ledger_ref).status == Hold.Status.CAPTURED


@pytest.mark.django_db
def test_a_free_users_1080p_request_is_refused_with_the_plan_and_holds_nothing(client, alice):
    client.force_login(alice)
    client.get(CREATE)
    give_points(alice, 100)
    before = ledger.balance(alice)
    response = client.post(CREATE, t2v_data(mode="professional", aspect_ratio="9:16"))
    assert response.status_code == 200
    assert response.context["form"].errors["mode"] == [
        "Professional mode (1080p at 30 fps) comes with Standard and higher plans."
    ]
    assert not Job.objects.filter(user=alice).exists()
    assert held_refs(alice) == [] and ledger.balance(alice) == before


@pytest.mark.django_db
def test_a_plan_with_professional_mode_but_720p_is_refused_naming_the_plan_with_1080p(
    client, alice
):
    """Staff may sell professional mode without 1080p: submit follows the tier's settings."""
    Tier.objects.filter(code="standard").update(max_resolution=720)
    member_of(client, alice, "standard")
    before = ledger.balance(alice)
    response = client.post(CREATE, t2v_data(mode="professional"))
    assert response.context["form"].errors["mode"] == [
        "Professional mode (1080p at 30 fps) comes with Pro and higher plans."
    ]
    assert held_refs(alice) == [] and ledger.balance(alice) == before
    # Standard mode is still theirs.
    assert client.post(CREATE, t2v_data(mode="standard")).status_code == 302


@pytest.mark.django_db
def test_a_plan_at_24_fps_is_refused_the_30_fps_video(client, alice):
    Tier.objects.filter(code__in=["standard", "pro"]).update(max_frame_rate=24)
    member_of(client, alice, "standard")
    response = client.post(CREATE, t2v_data(mode="professional"))
    assert response.context["form"].errors["mode"] == [
        "Professional mode (1080p at 30 fps) comes with Premier and higher plans."
    ]


@pytest.mark.django_db
def test_the_create_page_shows_each_modes_video_and_names_the_plan_on_the_locked_one(client, alice):
    client.force_login(alice)
    html = client.get(CREATE).content.decode()
    assert 'data-testid="mode-standard"' in html and "288p · 8 fps" in html
    locked = html.split('data-testid="mode-professional"')[1].split("</label>")[0]
    assert "disabled" in locked and "1080p · 30 fps" in locked
    assert "Professional mode (1080p at 30 fps) comes with Standard and higher plans." in html

    member_of(client, alice, "pro")
    html = client.get(CREATE).content.decode()
    unlocked = html.split('data-testid="mode-professional"')[1].split("</label>")[0]
    assert "disabled" not in unlocked and "1080p · 30 fps" in unlocked
    assert 'data-testid="mode-locked"' not in html
