"""Adding sound to one of your own silent videos: priced per second of the video at the sound
option's rate (the live price shows it before submitting), open to every plan as the sound
option is, the prompt screened like any other; a video that is not yours, not finished, already
with sound or too long is refused with a clear message and holds nothing."""

import pytest
from django.urls import reverse
from django.utils import timezone

from billing import ledger
from billing.pricing import PriceError, price_of, price_rows
from generation.engine.matrix import moving_clip
from generation.models import Job
from generation.moderation.models import BlockedTerm
from tests.gen_helpers import held_refs, refused
from tests.provenance_helpers import finished_job

pytestmark = pytest.mark.django_db
CREATE = reverse("generation:create")
PRICE = reverse("generation:price")
ADD_SOUND = Job.Kind.ADD_SOUND


def silent_video(user, count=24):
    """A finished silent video of `count` frames at 8 fps (24: 3 s)."""
    return finished_job(user, watermarked=True, frames=moving_clip(count, 128, 96))


def sound_data(source, **overrides) -> dict:
    data = {
        "kind": ADD_SOUND,
        "prompt": "waves on the rocks, gulls, a woman laughs",
        "negative_prompt": "",
        "sound_source": source.pk if source is not None else "",
        "mode": "standard",
        "creativity": "0.5",
        "seed": "",
        "aspect_ratio": "16:9",
        "duration_s": "5",
        "camera_movement": "static",
        "num_images": "1",
    }
    data.update(overrides)
    return data


def test_added_sound_costs_the_sound_rate_per_second_of_the_video():
    assert price_of({"kind": "add_sound", "duration": 5}) == 50  # as the sound option's 5 s
    assert price_of({"kind": "add_sound", "duration": 3}) == 30
    assert price_of({"kind": "add_sound", "duration": 10, "mode": "professional"}) == 100
    for seconds in (0, 11):
        with pytest.raises(PriceError, match="1 to 10 seconds"):
            price_of({"kind": "add_sound", "duration": seconds})
    row = next(r for r in price_rows() if "Add sound" in str(r["label"]))
    assert (row["standard"], row["professional"]) == (10, 10)


def test_the_sound_price_setting_prices_added_sound_too(settings):
    settings.SOUND_POINT_PRICE = "2.5"
    assert price_of({"kind": "add_sound", "duration": 3}) == 15


def test_the_live_price_follows_the_picked_video(client, user, bob):
    work = silent_video(user)  # 3 s
    price = client.get(PRICE, {"kind": ADD_SOUND, "sound_source": work.pk}).content.decode()
    assert price == "3"
    assert client.get(PRICE, {"kind": ADD_SOUND}).content.decode() == ""  # none picked yet
    theirs = silent_video(bob)
    assert client.get(PRICE, {"kind": ADD_SOUND, "sound_source": theirs.pk}).content == b""


def test_the_create_page_offers_your_silent_videos_and_the_job_page_a_button(client, user):
    work = silent_video(user)
    page = client.get(CREATE).content.decode()
    assert 'id="kind-add_sound"' in page and 'data-testid="add-sound"' in page
    assert f'name="sound_source" value="{work.pk}"' in page
    job_page = client.get(reverse("generation:job", args=[work.pk])).content.decode()
    assert f"?add_sound={work.pk}" in job_page
    picked = client.get(CREATE, {"add_sound": work.pk})
    assert picked.context["form"].initial["kind"] == ADD_SOUND
    assert picked.context["price"] == "3"  # shown before submitting


def test_sound_is_added_to_your_video_for_its_price(
    client, user, django_capture_on_commit_callbacks
):
    work = silent_video(user)
    before = ledger.balance(user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(CREATE, sound_data(work))
    assert response.status_code == 302, response.context["form"].errors
    job = Job.objects.get(user=user, kind=ADD_SOUND)
    assert job.source_job == work and job.status == Job.Status.QUEUED
    assert job.params["sound"] is True and job.params["source_s"] == 3.0
    assert (job.params["duration_s"], job.params["mode"]) == (3, "standard")
    assert job.points_held == 30 and held_refs(user) == [job.ledger_ref]
    assert ledger.balance(user) == before - 30
    assert len(callbacks) == 1  # sent to the workers once the job is saved
    page = client.get(reverse("generation:job", args=[job.pk])).content.decode()
    assert 'data-testid="sound-source"' in page
    # Its result has sound: it is not offered again, nor for extension.
    job.status = Job.Status.SUCCEEDED
    job.save()
    assert f'name="sound_source" value="{job.pk}"' not in client.get(CREATE).content.decode()


def test_a_free_plan_may_add_sound(client, user):
    from billing.entitlements import entitlements

    assert not entitlements(user).is_member
    response = client.post(CREATE, sound_data(silent_video(user)))
    assert response.status_code == 302


def test_someone_elses_video_is_refused(client, user, bob):
    page = refused(client, user, sound_data(silent_video(bob)))
    assert "That video is not one of your finished videos." in page


@pytest.mark.parametrize("status", [Job.Status.FAILED, Job.Status.RUNNING, Job.Status.REVIEW])
def test_a_video_that_did_not_finish_is_refused(client, user, status):
    work = silent_video(user)
    Job.objects.filter(pk=work.pk).update(status=status)
    page = refused(client, user, sound_data(work))
    assert "That video is not one of your finished videos." in page


def test_a_deleted_video_or_a_picture_is_refused(client, user):
    work = silent_video(user)
    Job.objects.filter(pk=work.pk).update(deleted_at=timezone.now())
    assert "not one of your finished videos" in refused(client, user, sound_data(work))
    from PIL import Image

    picture = finished_job(user, watermarked=True, images=[Image.new("RGB", (64, 48))])
    assert "not one of your finished videos" in refused(client, user, sound_data(picture))


def test_a_video_that_already_has_sound_is_refused(client, user):
    work = silent_video(user)
    Job.objects.filter(pk=work.pk).update(params={**work.params, "sound": True})
    page = refused(client, user, sound_data(work))
    assert "This video already has sound." in page


def test_a_video_over_10_s_is_refused(client, user):
    work = silent_video(user, count=89)  # 11.1 s at 8 fps (an extended video)
    page = refused(client, user, sound_data(work))
    assert "sound is added to videos of up to 10 s" in page


def test_a_video_and_a_prompt_are_needed(client, user):
    page = refused(client, user, sound_data(None))
    assert "Choose one of your videos to add sound to." in page
    page = refused(client, user, sound_data(silent_video(user), prompt=""))
    assert "Describe the sound you want" in page


def test_the_prompt_is_screened_like_any_other(client, user):
    BlockedTerm.objects.create(term="purple elephant", category="hate", action="refuse")
    work = silent_video(user)
    before = ledger.balance(user)
    client.post(CREATE, sound_data(work, prompt="a PURPLE-ELEPHANT trumpets"))
    job = Job.objects.get(user=user, kind=ADD_SOUND)
    assert job.status == Job.Status.REJECTED and job.points_held == 0
    assert held_refs(user) == [] and ledger.balance(user) == before


def test_a_site_whose_model_cannot_add_sound_does_not_offer_it(client, user, settings):
    settings.GENERATION_MODEL = "tiny-wan"
    assert 'id="kind-add_sound"' not in client.get(CREATE).content.decode()
    refused(client, user, sound_data(silent_video(user)))
