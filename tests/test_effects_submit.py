"""The effects catalogue on the web tier: the seeded first effect, the create page's grid and
price, submitting an effect (its own price held), bad input holding nothing, both photos of a
two-photo effect screened and composed, the lowest plan, and the admin's adapter check."""

import numpy as np
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from billing import ledger
from generation import execution
from generation.models import Effect, Job
from generation.moderation.models import PhotoRule
from tests.conftest import subscribe, tier
from tests.effect_helpers import hug_effect, make_lora
from tests.fixtures.portraits import blurred, png, portrait
from tests.gen_helpers import held_refs, png_bytes, refused, t2v_data
from tests.staff_helpers import staff_member

pytestmark = pytest.mark.django_db
CREATE = reverse("generation:create")
PRICE = reverse("generation:price")
RED, BLUE = (220, 30, 30), (30, 30, 220)


def photo(name="photo.png", color=RED, size=(96, 64)):
    return SimpleUploadedFile(name, png_bytes(size, color), content_type="image/png")


def effect_data(slug="old-photo", **overrides) -> dict:
    return t2v_data(**{"kind": "effect", "prompt": "", "effect": slug, **overrides})


@pytest.fixture
def hug(db):
    return hug_effect()


def test_bring_an_old_photo_to_life_is_the_first_effect_with_no_adapter():
    first = Effect.objects.first()
    assert (first.slug, first.name, first.name_zh_hans) == (
        "old-photo",
        "Bring an old photo to life",
        "让老照片动起来",
    )
    assert not first.adapter and first.offers_restoration and first.tier is None
    assert first.price == 100  # a 5-second video's price


def test_the_create_page_shows_the_effects_with_their_prices(client, user, hug):
    page = client.get(CREATE).content.decode()
    assert 'data-testid="effect-old-photo"' in page and 'data-testid="effect-hug"' in page
    assert "Bring an old photo to life" in page and "15 points" in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get(CREATE).content.decode()
    assert "拥抱" in page
    assert client.get(PRICE, {"kind": "effect", "effect": "hug"}).content == b"15"
    assert client.get(PRICE, {"kind": "effect", "effect": "nope"}).content == b""


def test_an_effect_holds_its_own_price_and_keeps_its_prompt_and_photo(
    client, user, django_capture_on_commit_callbacks
):
    before = ledger.balance(user)
    data = effect_data(prompt="by the sea", restore_colour="on")
    with django_capture_on_commit_callbacks():
        response = client.post(CREATE, {**data, "effect_image": photo()})
    job = Job.objects.get(user=user)
    assert response.status_code == 302, response.context["form"].errors
    assert (job.kind, job.status, job.points_held) == ("effect", "queued", 100)
    assert job.params["effect"] == "old-photo" and job.params["restore"] == ["colour"]
    assert job.prompt.startswith("The people in this old photo come gently to life")
    assert job.prompt.endswith("faithful to the original photo by the sea")
    assert job.input_image and not job.second_image
    assert ledger.balance(user) == before - 100 and held_refs(user) == [job.ledger_ref]
    request = execution.build_request(job)
    assert request.kind == "image_to_video" and request.adapter is None
    assert request.restore == ("colour",)


def test_a_two_photo_effect_without_its_second_photo_holds_nothing(client, user, hug):
    page = refused(client, user, {**effect_data("hug"), "effect_image": photo()})
    assert "This effect needs a second photo." in page


def test_an_effect_without_a_photo_or_with_a_file_that_is_not_one_holds_nothing(client, user):
    page = refused(client, user, effect_data())
    assert "Choose a photo for this effect." in page
    text = SimpleUploadedFile("notes.png", b"not a picture at all", content_type="image/png")
    page = refused(client, user, {**effect_data(), "effect_image": text})
    assert "This file is not a JPEG, PNG or WebP picture." in page
    page = refused(
        client, user, {**effect_data("hug"), "effect_image": photo(), "second_image": text}
    )
    assert "Choose one of the effects." in page  # no hug effect in this test
    page = refused(client, user, {**effect_data("nope"), "effect_image": photo()})
    assert "Choose one of the effects." in page


def test_both_photos_of_a_two_photo_effect_are_used_side_by_side(
    client, user, hug, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        response = client.post(
            CREATE,
            {**effect_data("hug"), "effect_image": photo(), "second_image": photo(color=BLUE)},
        )
    assert response.status_code == 302
    job = Job.objects.get(user=user)
    assert job.points_held == 150 and job.params["aspect_ratio"] == "16:9"
    request = execution.build_request(job)
    frame = np.asarray(request.image)
    left, right = frame[:, : frame.shape[1] // 2], frame[:, frame.shape[1] // 2 :]
    assert np.abs(left.reshape(-1, 3).mean(0) - RED).max() < 3
    assert np.abs(right.reshape(-1, 3).mean(0) - BLUE).max() < 3


def test_the_second_photo_is_screened_as_an_upload(client, user, hug):
    """A plain first photo and a second one the photo rules refuse: refused, nothing held, the
    flag names the second photo."""
    PhotoRule.objects.create(detector_class="FACE_FEMALE", refuse_at=0.5)
    before = ledger.balance(user)
    second = SimpleUploadedFile("b.png", png(blurred(portrait())), content_type="image/png")
    client.post(CREATE, {**effect_data("hug"), "effect_image": photo(), "second_image": second})
    job = Job.objects.get(user=user)
    assert job.status == Job.Status.REJECTED and job.points_held == 0
    assert held_refs(user) == [] and ledger.balance(user) == before
    assert job.error_message.startswith("Your second photo was refused")
    assert job.flags.get().field == "second_image"


def test_an_effect_for_a_higher_plan_is_locked_and_holds_nothing(client, user, hug):
    hug.tier = tier("pro")
    hug.save()
    data = {**effect_data("hug"), "effect_image": photo(), "second_image": photo(color=BLUE)}
    page = refused(client, user, data)
    assert "effect comes with" in page and "higher plans" in page
    subscribe(user, "pro")
    data = {**effect_data("hug"), "effect_image": photo(), "second_image": photo(color=BLUE)}
    assert client.post(CREATE, data).status_code == 302


# --- the admin ------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(staff_member("boss@example.com", "Admins"))
    return client


def admin_form(adapter, **overrides) -> dict:
    return {
        "slug": "squish",
        "name": "Squish",
        "name_zh_hans": "捏捏",
        "photos": "1",
        "prompt_template": "the subject is squished like soft clay {details}",
        "adapter": adapter,
        "adapter_weight": "0.8",
        "spec": "tiny",
        "price": "12",
        "tier": "",
        "active": "on",
        "position": "2",
        **overrides,
    }


def _upload(path):
    return SimpleUploadedFile(path.name, path.read_bytes(), content_type="application/octet-stream")


def test_the_admin_accepts_an_adapter_that_fits_the_models_transformer(admin_client, tmp_path):
    lora = make_lora(tmp_path / "squish.safetensors")
    response = admin_client.post(reverse("admin:generation_effect_add"), admin_form(_upload(lora)))
    assert response.status_code == 302, response.context["adminform"].form.errors
    effect = Effect.objects.get(slug="squish")
    assert effect.adapter.name.startswith("effects/adapters/") and effect.price == 120
    import hashlib

    assert effect.adapter_sha256 == hashlib.sha256(lora.read_bytes()).hexdigest()
    with effect.adapter.open("rb") as stored:
        assert stored.read() == lora.read_bytes()  # through the default storage


@pytest.mark.parametrize(
    "kind, message",
    [
        ("wan", "does not fit the video transformer of the tiny model"),
        ("narrow", "does not fit the video transformer of the tiny model"),
        ("png", "not a readable safetensors LoRA"),
        ("name", "Upload the adapter as a .safetensors file."),
    ],
)
def test_the_admin_refuses_an_adapter_that_does_not_fit(admin_client, tmp_path, kind, message):
    if kind == "wan":
        upload = _upload(make_lora(tmp_path / "w.safetensors", checkpoint="tiny/wan-i2v"))
    elif kind == "narrow":
        upload = _upload(make_lora(tmp_path / "n.safetensors", attention_head_dim=8))
    elif kind == "png":
        upload = SimpleUploadedFile("fake.safetensors", png_bytes())
    else:
        upload = _upload(make_lora(tmp_path / "fit.safetensors"))
        upload.name = "fit.bin"
    response = admin_client.post(reverse("admin:generation_effect_add"), admin_form(upload))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["adapter"]
    assert any(message in error for error in errors), errors
    assert not Effect.objects.filter(slug="squish").exists()


def test_moving_an_effect_to_another_model_checks_its_stored_adapter_again(admin_client, tmp_path):
    lora = make_lora(tmp_path / "fit.safetensors")
    effect = Effect.objects.create(slug="squish", name="Squish", prompt_template="x", price=10)
    effect.adapter.save("fit.safetensors", ContentFile(lora.read_bytes()))
    url = reverse("admin:generation_effect_change", args=[effect.pk])
    form = admin_form("", spec="tiny-wan")
    del form["adapter"]
    response = admin_client.post(url, form)
    assert response.status_code == 200
    assert "tiny-wan model" in str(response.context["adminform"].form.errors["adapter"])


def test_the_job_page_names_the_effect_and_shows_both_photos_to_its_owner_only(
    client, user, hug, bob, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        client.post(
            CREATE,
            {**effect_data("hug"), "effect_image": photo(), "second_image": photo(color=BLUE)},
        )
    job = Job.objects.get(user=user)
    page = client.get(reverse("generation:job", args=[job.pk])).content.decode()
    assert 'data-testid="effect-name"' in page and "Hug" in page
    second = reverse("generation:input_photo", args=[job.pk, "second"])
    assert second in page
    response = client.get(second)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == job.second_image.open("rb").read()
    client.force_login(bob)
    assert client.get(second).status_code == 404


def test_both_photos_reach_the_pipeline_as_its_first_frame(
    client, user, hug, monkeypatch, django_capture_on_commit_callbacks
):
    """The worker's request for a hug, run on the tiny model: the LTX pipeline is called with
    one conditioning image whose left half is the first photo and right half the second."""
    from diffusers import LTXConditionPipeline

    from generation.engine import runner

    with django_capture_on_commit_callbacks():
        client.post(
            CREATE,
            {**effect_data("hug"), "effect_image": photo(), "second_image": photo(color=BLUE)},
        )
    job = Job.objects.get(user=user)
    seen = []
    real_call = LTXConditionPipeline.__call__

    def recording_call(pipe, *args, **kwargs):
        seen.append([condition.image for condition in kwargs["conditions"]])
        return real_call(pipe, *args, **kwargs)

    monkeypatch.setattr(LTXConditionPipeline, "__call__", recording_call)
    request = execution.build_request(job)
    request.num_inference_steps = 1
    runner.run(request, spec=job.model_spec)
    [first_call_images] = seen[:1]
    [image] = first_call_images
    frame = np.asarray(image)
    half = frame.shape[1] // 2
    assert np.abs(frame[:, : half - 2].reshape(-1, 3).mean(0) - RED).max() < 3
    assert np.abs(frame[:, half + 2 :].reshape(-1, 3).mean(0) - BLUE).max() < 3


def test_erasing_an_account_removes_both_photos_of_an_effect(
    client, user, hug, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    from generation import services
    from generation.erasure import erase_works

    with django_capture_on_commit_callbacks():
        client.post(
            CREATE,
            {**effect_data("hug"), "effect_image": photo(), "second_image": photo(color=BLUE)},
        )
    job = Job.objects.get(user=user)
    services.cancel(job)  # an account's jobs are settled before its works are erased
    names = [job.input_image.name, job.second_image.name]
    assert all(default_storage.exists(name) for name in names)
    with django_capture_on_commit_callbacks(execute=True):
        erase_works(user)
    assert not any(default_storage.exists(name) for name in names)
