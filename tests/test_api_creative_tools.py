"""Sound, effects, reference videos and restyles through the API: the site's create form and
services.submit, priced as GET /quote and GET /models say, the quoted price held in the ledger;
every bad input a documented problem that holds nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from billing import ledger
from generation.engine.matrix import moving_clip
from generation.models import Job, ReferencePhoto
from tests.api_helpers import JOBS, api_for, created, post_json, quoted
from tests.conftest import tier
from tests.effect_helpers import hug_effect
from tests.gen_helpers import clip_bytes, held_refs, png_bytes
from tests.provenance_helpers import finished_job

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
RED, BLUE = (220, 30, 30), (30, 30, 220)


def photo(color=RED, name="p.png", size=(96, 64)):
    return SimpleUploadedFile(name, png_bytes(size, color), content_type="image/png")


def clip(seconds=3, name="clip.mp4", data=None):
    data = data if data is not None else clip_bytes(seconds, fps=8, size=(96, 64))
    return SimpleUploadedFile(name, data, content_type="video/mp4")


def upload(api, color=RED) -> int:
    response = api.post("/api/v1/uploads", {"file": photo(color)})
    assert response.status_code == 201, response.content
    return response.json()["id"]


def refused(response, user, before, status, code) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["code"] == code, body
    assert held_refs(user) == [] and ledger.balance(user) == before
    assert not Job.objects.filter(user=user).exclude(status=Job.Status.SUCCEEDED).exists()
    return body


@pytest.fixture
def api(alice):
    return api_for(alice)


@pytest.fixture
def member_api(alice):
    return api_for(alice, "standard")


# --- sound --------------------------------------------------------------------------------------


def test_a_video_with_sound_holds_the_quoted_price_with_its_soundtrack(api, alice):
    price = quoted(api, kind="text_to_video", duration_s=5, sound="true")
    assert price == "15" and quoted(api, kind="text_to_video") == "10"

    response = post_json(api, prompt="rain on a tin roof, a man says hello", sound=True)

    job = created(response, alice, price)
    assert job.params["sound"] is True and response.json()["params"]["sound"] is True


def test_a_photo_to_video_with_sound_from_a_multipart_form(api, alice):
    price = quoted(api, kind="image_to_video", duration_s=10, sound="true")
    data = {"kind": "image_to_video", "duration_s": "10", "sound": "true", "image": photo()}

    job = created(api.post(JOBS, data), alice, price)

    assert price == "30" and job.params["sound"] is True and job.input_image


def test_sound_with_an_end_frame_or_on_another_kind_is_refused(api, alice):
    before = ledger.balance(alice)
    data = {"kind": "image_to_video", "sound": "true", "image": photo(), "end_image": photo(BLUE)}
    body = refused(api.post(JOBS, data), alice, before, 422, "invalid_request")
    assert "Sound comes without an end frame" in body["errors"]["sound"][0]
    # No other kind has a soundtrack: the price table refuses to price one.
    assert api.get("/api/v1/quote", {"kind": "text_to_picture", "sound": "true"}).status_code == 422


# --- effects ------------------------------------------------------------------------------------


def test_a_two_photo_effect_from_multipart_holds_the_effects_price(api, alice):
    hug = hug_effect()
    price = quoted(api, kind="effect", effect="hug")
    data = {"kind": "effect", "effect": "hug", "image": photo(), "second_image": photo(BLUE)}

    job = created(api.post(JOBS, data), alice, price)

    assert price == "15" and job.kind == "effect"
    assert job.params["effect"] == hug.slug and job.params["duration_s"] == 5
    assert job.prompt.startswith("the two people turn to each other and hug warmly")
    assert job.input_image and job.second_image


def test_an_effect_from_json_names_its_photos_by_upload(api, alice):
    hug_effect()
    first, second = upload(api, RED), upload(api, BLUE)

    response = post_json(
        api,
        kind="effect",
        effect="hug",
        prompt="in the snow",
        image_upload=first,
        second_image_upload=second,
    )

    job = created(response, alice, "15")
    assert job.prompt.endswith("hug warmly in the snow")
    with job.second_image.open("rb") as stored:
        assert stored.read().startswith(b"\x89PNG")


def test_the_seeded_old_photo_effect_takes_one_photo(api, alice):
    data = {"kind": "effect", "effect": "old-photo", "image": photo()}
    job = created(api.post(JOBS, data), alice, quoted(api, kind="effect", effect="old-photo"))
    assert job.params["effect"] == "old-photo" and not job.second_image


def test_an_effect_that_needs_two_photos_given_one_holds_nothing(api, alice):
    hug_effect()
    before = ledger.balance(alice)
    data = {"kind": "effect", "effect": "hug", "image": photo()}
    body = refused(api.post(JOBS, data), alice, before, 422, "invalid_request")
    assert body["errors"]["second_image"] == ["This effect needs a second photo."]
    body = refused(
        post_json(api, kind="effect", effect="hug"), alice, before, 422, "invalid_request"
    )
    assert body["errors"]["image"] == ["Choose a photo for this effect."]


def test_an_unknown_effect_is_a_422_on_its_field(api, alice):
    before = ledger.balance(alice)
    data = {"kind": "effect", "effect": "no-such-effect", "image": photo()}
    body = refused(api.post(JOBS, data), alice, before, 422, "invalid_request")
    assert body["errors"]["effect"] == ["Choose one of the effects."]
    assert api.get("/api/v1/quote", {"kind": "effect", "effect": "nope"}).status_code == 422


def test_an_effect_of_a_higher_plan_is_403_and_holds_nothing(api, alice):
    hug_effect(tier=tier("pro"))
    before = ledger.balance(alice)
    assert api.get("/api/v1/quote", {"kind": "effect", "effect": "hug"}).json()["locked"]["effect"]
    data = {"kind": "effect", "effect": "hug", "image": photo(), "second_image": photo(BLUE)}
    body = refused(api.post(JOBS, data), alice, before, 403, "plan_required")
    assert "effect" in body["errors"]


# --- references ---------------------------------------------------------------------------------


def test_reference_photos_from_multipart_hold_a_videos_price(member_api, alice):
    price = quoted(member_api, kind="references", duration_s=10)
    data = {
        "kind": "references",
        "prompt": "the woman from the first photo walks her dog",
        "duration_s": "10",
        "references": [photo(RED), photo(BLUE), photo((20, 200, 20))],
    }

    job = created(member_api.post(JOBS, data), alice, price)

    assert price == "20" and job.kind == "references" and job.params["duration_s"] == 10
    positions = ReferencePhoto.objects.filter(job=job).values_list("position", flat=True)
    assert list(positions) == [1, 2, 3]


def test_reference_photos_from_json_by_upload(member_api, alice):
    ids = [upload(member_api, RED), upload(member_api, BLUE)]

    response = post_json(
        member_api, kind="references", prompt="a dog in a hat", reference_uploads=ids
    )

    job = created(response, alice, "10")
    assert job.references.count() == 2


def test_a_reference_that_is_not_a_photo_holds_nothing(member_api, alice):
    before = ledger.balance(alice)
    text = SimpleUploadedFile("notes.png", b"not a picture", content_type="image/png")
    data = {"kind": "references", "prompt": "a dog", "references": [photo(), text]}
    body = refused(member_api.post(JOBS, data), alice, before, 422, "invalid_request")
    [message] = body["errors"]["references"]
    assert message.startswith("Reference photo 2 (notes.png): This file is not a JPEG")
    assert not ReferencePhoto.objects.exists()


def test_five_references_hold_nothing(member_api, alice):
    before = ledger.balance(alice)
    data = {"kind": "references", "prompt": "a dog", "references": [photo() for _ in range(5)]}
    body = refused(member_api.post(JOBS, data), alice, before, 422, "invalid_request")
    assert body["errors"]["references"] == ["Choose at most 4 reference photos; you chose 5."]


def test_someone_elses_upload_is_no_reference(member_api, alice, bob):
    theirs = upload(api_for(bob), BLUE)
    before = ledger.balance(alice)
    response = post_json(member_api, kind="references", prompt="a dog", reference_uploads=[theirs])
    body = refused(response, alice, before, 422, "invalid_request")
    assert "reference_uploads" in body["errors"]


def test_references_are_for_members(api, alice):
    before = ledger.balance(alice)
    models = api.get("/api/v1/models").json()
    assert {"value": "references", "label": "References", "allowed": False} in models["kinds"]
    data = {"kind": "references", "prompt": "a dog", "references": [photo()]}
    body = refused(api.post(JOBS, data), alice, before, 403, "plan_required")
    assert "references" in body["errors"]


# --- restyle ------------------------------------------------------------------------------------


def test_an_uploaded_clip_is_restyled_for_its_seconds_price(api, alice):
    price = quoted(api, kind="restyle", clip_seconds=3)
    data = {"kind": "restyle", "prompt": "as a watercolour", "strength": "0.3", "video": clip(3)}

    job = created(api.post(JOBS, data), alice, price)

    assert price == "6" and job.kind == "restyle" and job.input_video
    assert job.params["strength"] == 0.3 and job.params["duration_s"] == 3
    assert job.params["source_s"] == pytest.approx(3, abs=0.05)


def test_one_of_your_works_is_restyled_by_its_job_id(api, alice):
    work = finished_job(alice, watermarked=True, frames=moving_clip(17, 512, 288))  # 2.1 s

    response = post_json(api, kind="restyle", prompt="at night", restyle_source=work.pk)

    job = created(response, alice, quoted(api, kind="restyle", clip_seconds=3))
    assert job.source_job == work and job.input_video and job.params["strength"] == 0.6


def test_someone_elses_job_is_no_restyle_source(api, alice, bob):
    theirs = finished_job(bob, watermarked=True, frames=moving_clip(9, 512, 288))
    before = ledger.balance(alice)
    response = post_json(api, kind="restyle", prompt="at night", restyle_source=theirs.pk)
    body = refused(response, alice, before, 422, "invalid_request")
    assert body["errors"]["restyle_source"] == ["That video is not one of your finished videos."]


def test_a_clip_too_long_or_not_a_video_holds_nothing(api, alice):
    before = ledger.balance(alice)
    long_clip = clip(data=clip_bytes(12, fps=4, size=(64, 48)))
    data = {"kind": "restyle", "prompt": "as a watercolour", "video": long_clip}
    body = refused(api.post(JOBS, data), alice, before, 422, "invalid_request")
    assert body["errors"]["video"] == [
        "The clip is 12.0 s long; restyles take clips of up to 10 s."
    ]
    data["video"] = clip(name="holiday.mp4", data=png_bytes())
    body = refused(api.post(JOBS, data), alice, before, 422, "invalid_request")
    assert "This file is not a video we can read" in body["errors"]["video"][0]
    assert api.get("/api/v1/quote", {"kind": "restyle"}).status_code == 422  # no clip length


# --- what /models lists -------------------------------------------------------------------------


def test_models_lists_the_new_tools_and_their_prices(api):
    hug_effect()

    models = api.get("/api/v1/models").json()

    kinds = {option["value"]: option["allowed"] for option in models["kinds"]}
    assert kinds["effect"] and kinds["restyle"] and not kinds["references"]
    assert models["sound"] is True
    assert models["max_references"] == 4 and models["max_clip_seconds"] == 10
    effects = {effect["slug"]: effect for effect in models["effects"]}
    assert effects["hug"]["photos"] == 2 and effects["hug"]["price_points"] == "15"
    assert effects["old-photo"]["photos"] == 1 and effects["old-photo"]["allowed"]
    prices = {
        (p["kind"], p["duration_s"], p["mode"], p["sound"], p["effect"]): p["price_points"]
        for p in models["prices"]
    }
    assert prices[("text_to_video", 5, "standard", True, None)] == "15"
    assert prices[("image_to_video", 5, "professional", True, None)] == "40"
    assert prices[("effect", 5, "standard", False, "hug")] == "15"
    assert prices[("references", 10, "standard", False, None)] == "20"
    assert prices[("restyle", 3, "professional", False, None)] == "21"
