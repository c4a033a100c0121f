"""Submitting a video from reference photos: 1 to 4 photos, each checked and screened as an
upload before any point is held; every refusal says why and holds nothing; members only; the
photos are their owner's alone."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from billing import ledger
from generation import erasure, services
from generation.models import Job, ReferencePhoto
from generation.moderation.models import PhotoRule
from tests import gen_helpers
from tests.conftest import signed_in
from tests.fixtures.portraits import blurred, png, portrait
from tests.gen_helpers import held_refs, png_bytes, t2v_data
from tests.moderation_helpers import upload

pytestmark = pytest.mark.django_db
CREATE = reverse("generation:create")
PRICE = reverse("generation:price")
PROMPT = "the woman from the first photo walks her dog through the park"


def references_data(*photos, **overrides) -> dict:
    data = t2v_data(kind="references", **{"prompt": PROMPT, **overrides})
    return {**data, "references": list(photos)}


def photo(name="ref.png", color=(200, 120, 40), size=(96, 64), fmt="PNG"):
    return upload(name, png_bytes(size, color, fmt))


@pytest.fixture
def member(client, alice):
    return signed_in(client, alice, "standard")


def refused(client, user, data) -> str:
    html = gen_helpers.refused(client, user, data)
    assert not ReferencePhoto.objects.exists()
    return html


def submitted(client, data, capture) -> Job:
    with capture():
        response = client.post(CREATE, data)
    assert response.status_code == 302, response.context["form"].errors
    return Job.objects.get()


def test_two_references_hold_the_videos_price_and_keep_the_photos(
    client, member, django_capture_on_commit_callbacks
):
    before = ledger.balance(member)
    first = photo("me.jpg", (10, 200, 30), (120, 80), "JPEG")
    second = photo("dog.png", (220, 40, 90), (50, 90))
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(CREATE, references_data(first, second))
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == reverse("generation:job", args=[job.pk])
    assert (job.kind, job.status, job.prompt) == (Job.Kind.REFERENCES, Job.Status.QUEUED, PROMPT)
    assert job.points_held == 100  # a 5 s video's price
    assert ledger.balance(member) == before - 100 and held_refs(member) == [job.ledger_ref]
    assert len(callbacks) == 1
    stored = list(job.references.all())
    assert [r.position for r in stored] == [1, 2]
    with stored[1].image.open("rb") as f:  # re-encoded as PNG: nothing but pixels kept
        image = Image.open(f)
        assert (image.format, image.size, image.getpixel((0, 0))) == (
            "PNG",
            (50, 90),
            (220, 40, 90),
        )
    assert services.time_limit(job) > 0


def test_a_file_that_is_not_a_photo_is_refused_naming_it(client, member):
    notes = upload("notes.txt", b"not a picture at all", "text/plain")
    page = refused(client, member, references_data(photo(), notes))
    assert "Reference photo 2 (notes.txt): This file is not a JPEG, PNG or WebP picture." in page


def test_five_photos_are_refused_naming_the_limit(client, member):
    photos = [photo(f"ref{n}.png", (n * 40, 10, 10)) for n in range(5)]
    page = refused(client, member, references_data(*photos))
    assert "Choose at most 4 reference photos; you chose 5." in page


def test_no_photo_is_refused(client, member):
    page = refused(client, member, references_data())
    assert "Add 1 to 4 reference photos: a person, an object or a style." in page


def test_a_prompt_is_needed(client, member):
    page = refused(client, member, references_data(photo(), prompt=""))
    assert "Describe what you want to see." in page


def test_a_banned_reference_photo_refuses_the_job_with_nothing_held(client, member):
    # A staff rule that the drawn portrait really trips (tests/test_moderation_photos.py).
    PhotoRule.objects.create(detector_class="FACE_FEMALE", refuse_at=0.5)
    before = ledger.balance(member)
    banned = upload("portrait.png", png(blurred(portrait())))
    response = client.post(CREATE, references_data(photo(), banned))
    job = Job.objects.get(user=member)
    assert response.status_code == 302
    assert (job.status, job.points_held) == (Job.Status.REJECTED, 0)
    assert held_refs(member) == [] and ledger.balance(member) == before
    assert job.error_message.startswith("Your photo was refused: it matches our rules on nudity.")
    flag = job.flags.get()
    assert (flag.kind, flag.field, flag.rule) == ("upload", "input_image", "FACE_FEMALE")


def test_the_free_plan_sees_the_locked_tool_naming_the_plan(client, alice):
    signed_in(client, alice)
    html = client.get(CREATE).content.decode()
    assert 'data-testid="references-locked"' in html
    assert "Videos from reference photos come with Standard and higher plans." in html
    assert 'data-testid="references-see-plans"' in html
    page = refused(client, alice, references_data(photo()))
    assert "Videos from reference photos come with Standard and higher plans." in page


def test_the_price_is_a_videos_of_its_length(client, member):
    params = {"kind": "references", "mode": "standard", "duration_s": "5"}
    assert client.get(PRICE, params).content == b"10"
    assert client.get(PRICE, {**params, "duration_s": "10"}).content == b"20"
    assert client.get(PRICE, {**params, "mode": "professional"}).content == b"35"
    html = client.get(CREATE + "?kind=references").content.decode()
    assert 'id="id_references" multiple' in html and '<strong id="price">10</strong>' in html


def test_the_job_page_shows_the_photos_to_their_owner_only(
    client, member, bob, django_capture_on_commit_callbacks
):
    job = submitted(
        client,
        references_data(photo(), photo("b.png", (1, 2, 3))),
        django_capture_on_commit_callbacks,
    )
    html = client.get(reverse("generation:job", args=[job.pk])).content.decode()
    assert 'data-testid="reference-photos"' in html
    urls = [reverse("generation:input_photo", args=[job.pk, f"ref{n}"]) for n in (1, 2)]
    for url in urls:
        assert url in html
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
    missing = reverse("generation:input_photo", args=[job.pk, "ref3"])
    assert client.get(missing).status_code == 404
    client.force_login(bob)
    assert client.get(reverse("generation:job", args=[job.pk])).status_code == 404
    for url in urls:
        assert client.get(url).status_code == 404


def test_a_deleted_account_takes_its_reference_photos_with_it(
    client, member, django_capture_on_commit_callbacks
):
    job = submitted(client, references_data(photo()), django_capture_on_commit_callbacks)
    name = job.references.get().image.name
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        erasure.end_open_jobs(member)
        erasure.erase_works(member)
    assert not ReferencePhoto.objects.exists() and not default_storage.exists(name)


def test_a_site_whose_model_takes_no_references_does_not_offer_the_tool(client, member, settings):
    settings.GENERATION_MODEL = "ltx-video"
    html = client.get(CREATE).content.decode()
    assert 'id="kind-references"' not in html and 'id="kind-storyboard"' in html
    page = refused(client, member, references_data(photo()))
    assert "Choose what to make" in page


def test_the_data_export_holds_the_reference_photos(
    client, member, django_capture_on_commit_callbacks
):
    import io
    import zipfile

    from webapp.accounts import export

    job = submitted(
        client,
        references_data(photo(), photo("b.png", (1, 2, 3))),
        django_capture_on_commit_callbacks,
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        export._write_archive(archive, member)
    with zipfile.ZipFile(buffer) as archive:
        names = set(archive.namelist())
        second = Image.open(io.BytesIO(archive.read(f"uploads/{job.pk}/reference-2.png")))
    assert f"uploads/{job.pk}/reference-1.png" in names
    assert second.getpixel((0, 0)) == (1, 2, 3)
