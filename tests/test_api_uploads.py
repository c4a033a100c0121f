"""Photos sent first (POST /api/v1/uploads), then named by id in a create, multipart or JSON:
checked as the site checks a photo, screened when a job uses them, only ever the owner's, and
gone when they expire."""

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from billing import ledger
from billing.middleware import grant_points_due
from generation.models import Job
from generation.moderation.models import PhotoRule
from generation.uploads import MAX_UPLOAD_BYTES
from tests.api_helpers import api_client, token_for
from tests.fixtures.portraits import blurred, png, portrait
from tests.gen_helpers import give_points, held_refs, png_bytes
from webapp.api import photo_uploads
from webapp.api.models import PhotoUpload

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
JSON = "application/json"


@pytest.fixture
def api(alice):
    grant_points_due(alice)
    give_points(alice, 100)
    return api_client(token_for(alice))


def send(api, content: bytes, content_type="image/png"):
    return api.post("/api/v1/uploads", content, content_type=content_type)


def test_a_raw_or_multipart_photo_is_kept_re_encoded_for_its_owner(api, alice):
    raw = send(api, png_bytes((90, 160), fmt="JPEG"), "image/jpeg")
    assert raw.status_code == 201, raw.content
    body = raw.json()
    assert (body["width"], body["height"], body["content_type"]) == (90, 160, "image/png")
    assert body["url"].endswith(f"/api/v1/uploads/{body['id']}")
    photo = PhotoUpload.objects.get(pk=body["id"], user=alice)
    assert default_storage.open(photo.image.name).read()[:8] == b"\x89PNG\r\n\x1a\n"
    lifetime = photo.expires_at - photo.created_at
    assert abs(lifetime - photo_uploads.UPLOAD_LIFETIME) < timedelta(minutes=1)
    form = api.post(
        "/api/v1/uploads", {"file": SimpleUploadedFile("a.webp", png_bytes(fmt="WEBP"))}
    )
    assert form.status_code == 201, form.content
    assert api.get(body["url"]).json() == body


def test_a_photo_the_site_would_refuse_is_refused_here(api):
    not_a_picture = send(api, b"GIF89a not really", "image/png")
    assert not_a_picture.status_code == 422 and not_a_picture["Content-Type"] == PROBLEM
    assert not_a_picture.json()["code"] == "invalid_photo"
    assert "not a JPEG, PNG or WebP" in not_a_picture.json()["errors"]["file"][0]
    too_big = send(api, b"\0" * (MAX_UPLOAD_BYTES + 1))
    assert too_big.status_code == 413 and too_big.json()["code"] == "request_too_large"
    big_file = api.post(
        "/api/v1/uploads", {"file": SimpleUploadedFile("a.png", b"\0" * (MAX_UPLOAD_BYTES + 1))}
    )
    assert big_file.status_code == 413
    as_text = send(api, b"hello", "text/plain")
    assert as_text.status_code == 415 and as_text.json()["code"] == "unsupported_media_type"
    no_file = api.post("/api/v1/uploads", {"other": "x"})
    assert no_file.status_code == 422 and "file" in no_file.json()["errors"]
    assert not PhotoUpload.objects.exists()


def test_a_job_names_its_photo_by_upload_id_in_json_and_holds_the_sites_price(api, alice):
    photo = send(api, png_bytes((160, 90))).json()
    end = send(api, png_bytes((160, 90), color=(10, 20, 30))).json()
    before = ledger.balance(alice)
    response = api.post(
        "/api/v1/jobs",
        {"kind": "image_to_video", "image_upload": photo["id"], "end_image_upload": end["id"]},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    job = Job.objects.get(pk=response.json()["id"], user=alice)
    assert job.input_image and job.end_image and job.params["aspect_ratio"] == "16:9"
    assert held_refs(alice) == [job.ledger_ref] and ledger.balance(alice) == before - 100
    # The job keeps its own copy: the upload can go, the job's photo stays.
    assert api.delete(f"/api/v1/uploads/{photo['id']}").status_code == 204
    assert default_storage.exists(job.input_image.name)
    assert api.get(f"/api/v1/uploads/{photo['id']}").status_code == 404


def test_a_multipart_create_takes_an_upload_id_too(api, alice):
    photo = send(api, png_bytes((90, 160))).json()
    response = api.post("/api/v1/jobs", {"kind": "image_to_video", "image_upload": photo["id"]})
    assert response.status_code == 201, response.content
    assert Job.objects.get(pk=response.json()["id"]).params["aspect_ratio"] == "9:16"


def test_an_uploaded_photo_is_screened_when_a_job_uses_it(api, alice):
    PhotoRule.objects.create(detector_class="FACE_FEMALE", refuse_at=0.5)
    photo = send(api, png(blurred(portrait()))).json()  # uploads are not screened on their own
    before = ledger.balance(alice)
    response = api.post(
        "/api/v1/jobs", {"kind": "image_to_video", "image_upload": photo["id"]}, content_type=JSON
    )
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "moderation_refused"
    assert response.json()["category"] == "nudity"
    assert held_refs(alice) == [] and ledger.balance(alice) == before
    assert Job.objects.get(pk=response.json()["job_id"]).status == Job.Status.REJECTED


def test_another_users_upload_is_never_reachable(api, alice, bob):
    photo = send(api, png_bytes()).json()
    give_points(bob, 100)
    bobs = api_client(token_for(bob))
    assert bobs.get(f"/api/v1/uploads/{photo['id']}").status_code == 404
    assert bobs.delete(f"/api/v1/uploads/{photo['id']}").status_code == 404
    response = bobs.post(
        "/api/v1/jobs", {"kind": "image_to_video", "image_upload": photo["id"]}, content_type=JSON
    )
    assert response.status_code == 422 and "image_upload" in response.json()["errors"]
    # Exactly what an id that never existed answers.
    unknown = bobs.post(
        "/api/v1/jobs", {"kind": "image_to_video", "image_upload": 10**9}, content_type=JSON
    )
    assert unknown.json()["errors"] == response.json()["errors"]
    assert not Job.objects.filter(user=bob).exists() and held_refs(bob) == []
    assert PhotoUpload.objects.filter(pk=photo["id"], user=alice).exists()


def test_a_file_and_an_upload_for_the_same_photo_is_refused(api):
    photo = send(api, png_bytes()).json()
    response = api.post(
        "/api/v1/jobs",
        {
            "kind": "image_to_video",
            "image_upload": photo["id"],
            "image": SimpleUploadedFile("a.png", png_bytes(), "image/png"),
        },
    )
    assert response.status_code == 422 and "image_upload" in response.json()["errors"]
    assert not Job.objects.exists()


def test_expired_uploads_cannot_be_used_and_are_purged_with_their_files(
    api, alice, django_capture_on_commit_callbacks
):
    from webapp.api.tasks import purge_expired_uploads

    old = send(api, png_bytes()).json()
    fresh = send(api, png_bytes()).json()
    PhotoUpload.objects.filter(pk=old["id"]).update(expires_at=timezone.now() - timedelta(1))
    name = PhotoUpload.objects.get(pk=old["id"]).image.name
    response = api.post(
        "/api/v1/jobs", {"kind": "image_to_video", "image_upload": old["id"]}, content_type=JSON
    )
    assert response.status_code == 422 and "image_upload" in response.json()["errors"]
    with django_capture_on_commit_callbacks(execute=True):
        assert purge_expired_uploads() == 1
    assert not default_storage.exists(name)
    assert list(PhotoUpload.objects.values_list("pk", flat=True)) == [fresh["id"]]


def test_live_uploads_per_account_are_capped_with_retry_after(api, monkeypatch):
    monkeypatch.setattr(photo_uploads, "MAX_LIVE_UPLOADS", 2)
    assert send(api, png_bytes()).status_code == 201
    assert send(api, png_bytes()).status_code == 201
    full = send(api, png_bytes())
    assert full.status_code == 429 and full.json()["code"] == "too_many_uploads"
    assert 0 < int(full["Retry-After"]) <= photo_uploads.UPLOAD_LIFETIME.total_seconds() + 1
    api.delete(f"/api/v1/uploads/{PhotoUpload.objects.first().pk}")
    assert send(api, png_bytes()).status_code == 201


def test_uploading_needs_the_create_scope(alice):
    reader = api_client(token_for(alice, scopes=["read"]))
    response = send(reader, png_bytes())
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"


def test_deleting_the_account_deletes_its_uploads_and_their_files(
    api, alice, django_capture_on_commit_callbacks
):
    from webapp.accounts import closing

    photo = send(api, png_bytes()).json()
    name = PhotoUpload.objects.get(pk=photo["id"]).image.name
    with django_capture_on_commit_callbacks(execute=True):
        closing.delete_account(alice)
    assert not PhotoUpload.objects.exists() and not default_storage.exists(name)
