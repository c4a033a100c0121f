"""Submitting a video with sound: priced on its own (the live price shows it before submitting),
open to every plan, screened like any prompt; every refusal says why and holds nothing."""

import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from billing import ledger
from billing.pricing import PriceError, price_of, price_rows, sound_price
from generation.models import Job
from tests.gen_helpers import held_refs, png_bytes, refused, t2v_data
from tests.provenance_helpers import finished_job, moving_clip

pytestmark = pytest.mark.django_db
CREATE = reverse("generation:create")
PRICE = reverse("generation:price")


def test_sound_adds_its_own_price_per_five_seconds():
    assert price_of({"kind": "text_to_video", "duration": 5, "sound": True}) == 150
    assert price_of({"kind": "image_to_video", "duration": 10, "sound": True}) == 300
    # Professional makes the picture bigger, not the soundtrack: 35 + 5.
    assert price_of({"kind": "text_to_video", "mode": "professional", "sound": True}) == 400
    assert price_of({"kind": "text_to_video", "sound": False}) == 100
    for kind in ("extend", "text_to_picture", "storyboard"):
        with pytest.raises(PriceError, match="sound"):
            price_of({"kind": kind, "duration": 5, "sound": True})
    row = next(r for r in price_rows() if "Sound" in str(r["label"]))
    assert (row["standard"], row["professional"]) == (50, 50)


def test_the_sound_price_follows_its_setting(settings):
    settings.SOUND_POINT_PRICE = "2.5"
    assert price_of({"kind": "text_to_video", "duration": 10, "sound": True}) == 250
    settings.SOUND_POINT_PRICE = "free"
    with pytest.raises(ImproperlyConfigured, match="PRICE_SOUND"):
        sound_price()


def test_the_live_price_includes_sound_only_where_it_is_offered(client, user):
    assert client.get(PRICE, {"kind": "text_to_video", "duration_s": 5}).content == b"10"
    on = {"kind": "text_to_video", "duration_s": 10, "sound": "on"}
    assert client.get(PRICE, on).content == b"30"
    assert client.get(PRICE, {**on, "kind": "image_to_video"}).content == b"30"
    # Not offered for pictures: a stray box changes nothing.
    assert (
        client.get(PRICE, {"kind": "text_to_picture", "num_images": 2, "sound": "on"}).content
        == b"0.4"
    )


def test_the_create_page_offers_sound_with_its_help(client, user):
    page = client.get(CREATE).content.decode()
    assert 'name="sound"' in page and 'data-testid="sound"' in page
    assert "describe sounds, music and speech" in page
    # The live price sends it.
    assert "sound" in re.search(r'hx-params="([^"]*)"', page).group(1).split(",")


def test_a_free_user_submits_a_video_with_sound_and_holds_its_price(
    client, user, django_capture_on_commit_callbacks
):
    before = ledger.balance(user)
    with django_capture_on_commit_callbacks():
        response = client.post(CREATE, t2v_data(sound="on", duration_s="10"))
    job = Job.objects.get(user=user)
    assert response.status_code == 302
    assert job.params["sound"] is True and job.points_held == 300
    assert ledger.balance(user) == before - 300


def test_a_silent_video_stores_no_sound(client, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        client.post(CREATE, t2v_data())
    assert "sound" not in Job.objects.get(user=user).params


def test_sound_with_an_end_frame_is_refused_and_holds_nothing(client, user):
    data = t2v_data(kind="image_to_video", sound="on")
    data["image"] = _upload("start.png")
    data["end_image"] = _upload("end.png")
    text = refused(client, user, data)
    assert "Sound comes without an end frame" in text


def test_a_banned_prompt_with_sound_is_refused_and_holds_nothing(client, user):
    """Speech is written in the prompt, so the prompt's screening covers what is said."""
    before = ledger.balance(user)
    client.post(CREATE, t2v_data(prompt='a woman says "a p 0 r n video"', sound="on"))
    job = Job.objects.get(user=user)
    assert job.status == Job.Status.REJECTED and job.points_held == 0
    assert held_refs(user) == [] and ledger.balance(user) == before


def test_a_model_without_sound_refuses_it_and_holds_nothing(client, user, settings):
    settings.GENERATION_MODEL = "tiny-wan"
    text = refused(client, user, t2v_data(sound="on"))
    assert "cannot make sound" in text


def test_a_clip_with_sound_is_not_extended(client, user):
    source = _finished(user, sound=True)
    text = refused(client, user, t2v_data(kind="extend", source_job=str(source.pk)))
    assert "This video has sound" in text
    # Nor offered: neither among the videos to extend nor on its own page. Silent clips are,
    # made with the option unticked or before it existed (no "sound" in their parameters).
    silent, older = _finished(user, sound=False), _finished(user, sound=False)
    silent.params["sound"] = False
    silent.save(update_fields=["params"])
    assert "sound" not in older.params
    page = client.get(CREATE).content.decode()
    assert f'name="source_job" value="{source.pk}"' not in page
    assert f'name="source_job" value="{silent.pk}"' in page
    assert f'name="source_job" value="{older.pk}"' in page
    page = client.get(reverse("generation:job", args=[source.pk])).content.decode()
    assert 'data-testid="extend"' not in page and 'data-testid="with-sound"' in page


def _upload(name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, png_bytes((320, 180)), content_type="image/png")


def _finished(user, *, sound: bool) -> Job:
    """A finished clip rendered by the worker's own post-processing, made with sound or not."""
    job = finished_job(user, watermarked=False, frames=moving_clip(count=9, width=64, height=48))
    if sound:
        job.params["sound"] = True
        job.save(update_fields=["params"])
    return job
