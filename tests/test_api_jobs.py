"""Jobs through the API: the site's rules (prices, holds, screening, plan, limits) with problem
documents for every refusal, and one user's token never reaching another's jobs or files."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from billing import ledger
from billing.middleware import grant_points_due
from generation.models import Job
from tests.api_helpers import api_client, token_for
from tests.conftest import subscribe
from tests.gen_helpers import give_points, held_refs, png_bytes, t2v_data
from tests.test_account_deletion import finished_job

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


@pytest.fixture
def api(alice):
    grant_points_due(alice)  # today's points first, so the balances below are exact
    give_points(alice, 100)
    return api_client(token_for(alice))


def create(api, **overrides):
    data = {k: v for k, v in t2v_data(**overrides).items() if v != ""}
    return api.post("/api/v1/jobs", data)


def test_a_create_holds_the_sites_price_and_queues_the_job(api, alice):
    before = ledger.balance(alice)
    response = create(api)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "queued" and body["price_points"] == "10"
    job = Job.objects.get(pk=body["id"], user=alice)
    assert held_refs(alice) == [job.ledger_ref]
    assert ledger.balance(alice) == before - 100


def test_a_refused_prompt_holds_nothing_and_returns_its_category_code(api, alice):
    before = ledger.balance(alice)
    response = create(api, prompt="a p 0 r n video of a woman")
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["code"] == "moderation_refused"
    assert problem["category"] == "sexual"
    assert problem["type"] == "urn:lingjing:problem:moderation_refused"
    assert held_refs(alice) == [] and ledger.balance(alice) == before
    job = Job.objects.get(pk=problem["job_id"])
    assert job.status == Job.Status.REJECTED and job.points_held == 0
    # The job stays readable (and appealable on the site), with the same code.
    shown = api.get(f"/api/v1/jobs/{job.pk}").json()
    assert shown["moderation"] == {"code": "moderation_refused", "category": "sexual"}


def test_not_enough_points_is_402(alice):
    api = api_client(token_for(alice))
    alice.emailaddress_set.update(verified=False)  # no daily points
    response = create(api)
    assert response.status_code == 402
    assert response.json()["code"] == "insufficient_points"
    assert held_refs(alice) == [] and not Job.objects.exists()


def test_an_option_the_plan_lacks_is_403_plan_required(api):
    response = create(api, mode="professional")
    assert response.status_code == 403
    assert response.json()["code"] == "plan_required"
    assert "mode" in response.json()["errors"]
    assert not Job.objects.exists()


def test_more_jobs_than_the_plan_runs_at_once_is_409(api, alice):
    assert create(api).status_code == 201
    response = create(api)
    assert response.status_code == 409
    assert response.json()["code"] == "concurrent_job_limit"
    assert len(held_refs(alice)) == 1


def test_submitting_too_fast_is_429_with_retry_after(api, settings):
    settings.JOB_SUBMIT_RATE = "1/h"
    create(api)
    response = create(api)
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 3601


def test_invalid_fields_are_422_with_each_field_named(api):
    response = create(api, prompt="")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"
    assert "prompt" in response.json()["errors"]
    response = api.post("/api/v1/jobs", {"kind": "nonsense", "prompt": "x"})
    assert response.status_code == 422 and response["Content-Type"] == PROBLEM


def test_image_to_video_with_an_end_frame_takes_multipart_files(api, alice):
    response = api.post(
        "/api/v1/jobs",
        {
            "kind": "image_to_video",
            "image": SimpleUploadedFile("a.png", png_bytes((90, 160)), "image/png"),
            "end_image": SimpleUploadedFile("b.png", png_bytes((90, 160)), "image/png"),
        },
    )
    assert response.status_code == 201, response.content
    job = Job.objects.get(pk=response.json()["id"])
    assert job.input_image and job.end_image
    assert job.params["aspect_ratio"] == "9:16"  # the photo's shape, as on the site


def test_text_to_picture_and_a_locked_extension(api, alice):
    response = create(api, kind="text_to_picture", num_images="3")
    assert response.status_code == 201
    assert response.json()["price_points"] == "0.6"
    source = finished_job(alice)
    response = create(api, kind="extend", source_job=str(source.pk))
    assert response.status_code == 403 and response.json()["code"] == "plan_required"


def test_an_idempotent_retry_returns_the_first_job_and_holds_once(api, alice):
    first = api.post("/api/v1/jobs", t2v_data(), HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post("/api/v1/jobs", t2v_data(), HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201 and again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Job.objects.count() == 1 and len(held_refs(alice)) == 1
    other = api.post("/api/v1/jobs", t2v_data(prompt="a cat"), HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"


def test_a_refusal_that_made_nothing_is_not_remembered(alice):
    api = api_client(token_for(alice))
    alice.emailaddress_set.update(verified=False)
    r = api.post("/api/v1/jobs", t2v_data(), HTTP_IDEMPOTENCY_KEY="k")
    assert r.status_code == 402, r.content
    give_points(alice, 10)
    assert api.post("/api/v1/jobs", t2v_data(), HTTP_IDEMPOTENCY_KEY="k").status_code == 201


def test_list_pages_with_a_cursor_and_filters(api, alice):
    jobs = [finished_job(alice, prompt=f"video {n}") for n in range(5)]
    Job.objects.filter(pk=jobs[0].pk).update(status="failed")
    seen, cursor = [], None
    while True:
        url = "/api/v1/jobs?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = api.get(url).json()
        seen += [job["id"] for job in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted((j.pk for j in jobs), reverse=True)
    failed = api.get("/api/v1/jobs?status=failed").json()["data"]
    assert [j["id"] for j in failed] == [jobs[0].pk]
    assert api.get("/api/v1/jobs?kind=text_to_video").json()["data"] == []
    assert api.get("/api/v1/jobs?cursor=!!").json()["code"] == "invalid_request"
    assert api.get("/api/v1/jobs?limit=1000").status_code == 422


def test_cancel_returns_the_points_and_delete_needs_a_finished_job(api, alice):
    before = ledger.balance(alice)
    job_id = create(api).json()["id"]
    assert api.delete(f"/api/v1/jobs/{job_id}").json()["code"] == "job_active"
    canceled = api.post(f"/api/v1/jobs/{job_id}/cancel")
    assert canceled.status_code == 200 and canceled.json()["status"] == "canceled"
    assert ledger.balance(alice) == before
    assert api.post(f"/api/v1/jobs/{job_id}/cancel").status_code == 200  # idempotent
    assert api.delete(f"/api/v1/jobs/{job_id}").status_code == 204
    assert api.get(f"/api/v1/jobs/{job_id}").status_code == 404
    done = finished_job(alice)
    assert api.post(f"/api/v1/jobs/{done.pk}/cancel").status_code == 409


def test_outputs_are_the_variant_the_plan_allows_behind_a_signed_link(api, alice, client):
    job = finished_job(alice)
    body = api.get(f"/api/v1/jobs/{job.pk}").json()
    [output] = body["outputs"]
    assert output["watermarked"] is True
    # The link works with no token (for browsers and download tools) until it expires.
    file = client.get(output["url"])
    assert file.status_code == 200
    assert b"".join(file.streaming_content) == b"mp4m"


def test_an_expired_or_forged_link_is_refused(api, alice, client, settings):
    job = finished_job(alice)
    url = api.get(f"/api/v1/jobs/{job.pk}").json()["outputs"][0]["url"]
    assert client.get(url[:-3] + "abc").status_code == 404
    settings.API_DOWNLOAD_URL_SECONDS = -1
    response = client.get(url)
    assert response.status_code == 403 and response.json()["code"] == "link_expired"


def test_one_users_token_never_reaches_another_users_jobs_or_files(api, alice, bob, client):
    job = finished_job(alice)
    url = api.get(f"/api/v1/jobs/{job.pk}").json()["outputs"][0]["url"]
    bobs = api_client(token_for(bob))
    assert bobs.get(f"/api/v1/jobs/{job.pk}").status_code == 404
    assert bobs.post(f"/api/v1/jobs/{job.pk}/cancel").status_code == 404
    assert bobs.delete(f"/api/v1/jobs/{job.pk}").status_code == 404
    assert bobs.get("/api/v1/jobs").json()["data"] == []
    give_points(bob, 100)
    extend = bobs.post("/api/v1/jobs", t2v_data(kind="extend", source_job=str(job.pk)))
    assert extend.status_code in (403, 422) and not Job.objects.filter(user=bob).exists()
    # A link made for alice stops when her job is deleted, and names only her file.
    job.deleted_at = timezone.now()
    job.save(update_fields=["deleted_at"])
    assert client.get(url).status_code == 404
    assert Job.objects.get(pk=job.pk).user == alice


def test_models_lists_options_the_plan_allows_and_prices(api):
    body = api.get("/api/v1/models").json()
    assert {k["value"] for k in body["kinds"]} >= {"text_to_video", "text_to_picture"}
    modes = {m["value"]: m["allowed"] for m in body["modes"]}
    assert modes == {"standard": True, "professional": False}
    assert body["plan"]["max_concurrent_jobs"] == 1
    assert (body["plan"]["max_resolution"], body["plan"]["max_frame_rate"]) == (720, 24)
    prices = {
        (p["kind"], p["duration_s"], p["mode"], p["sound"]): p["price_points"]
        for p in body["prices"]
    }
    assert prices[("text_to_video", 10, "professional", False)] == "70"
    assert prices[("text_to_video", 10, "professional", True)] == "80"  # the demo makes sound


def test_a_quote_prices_a_request_without_holding(api, alice):
    before = ledger.balance(alice)
    body = api.get("/api/v1/quote?kind=text_to_video&duration_s=10&mode=professional").json()
    assert body["price_points"] == "70"
    assert set(body["locked"]) == {"mode"}
    assert body["affordable"] == (before >= 700)
    assert ledger.balance(alice) == before and held_refs(alice) == []
    assert api.get("/api/v1/quote?duration_s=7").status_code == 422


def test_points_balance_and_ledger_pages(api, alice):
    create(api)
    balance = api.get("/api/v1/points").json()
    assert balance["held_points"] == "10"
    assert balance["balance_points"] == str(ledger.balance(alice) // 10)
    first = api.get("/api/v1/points/ledger?limit=1").json()
    assert first["data"][0]["kind"] == "hold" and first["data"][0]["amount_points"] == "-10"
    rest = api.get(f"/api/v1/points/ledger?cursor={first['next_cursor']}").json()
    assert len(rest["data"]) >= 2 and rest["next_cursor"] is None


def test_an_expired_token_made_just_now_counts_from_its_expiry(alice):
    raw = token_for(alice, expires_at=timezone.now() + timedelta(hours=1))
    assert api_client(raw).get("/api/v1/jobs").status_code == 200


def test_a_broken_or_oversized_body_is_a_problem_not_a_crash(api, settings):
    broken = api.post(
        "/api/v1/jobs", b"--x\r\nbroken", content_type="multipart/form-data; boundary="
    )
    assert broken.status_code == 400 and broken.json()["code"] == "malformed_body"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    big = api.post(
        "/api/v1/jobs",
        "prompt=" + "a" * 2000,
        content_type="application/x-www-form-urlencoded",
    )
    assert big.status_code == 413 and big.json()["code"] == "request_too_large"
    big_json = api.post("/api/v1/jobs", {"prompt": "a" * 2000}, content_type="application/json")
    assert big_json.status_code == 413 and big_json["Content-Type"] == PROBLEM
    as_text = api.post("/api/v1/jobs", "a boat", content_type="text/plain")
    assert as_text.status_code == 415 and as_text.json()["code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    "body",
    [b'{"kind": "text_to_video", "prompt": ', b"\xff\xfe", b"[1, 2"],
    ids=["cut short", "not utf-8", "broken array"],
)
def test_malformed_json_is_a_400_problem(api, body):
    response = api.post("/api/v1/jobs", body, content_type="application/json")
    assert response.status_code == 400 and response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "malformed_body"
    assert not Job.objects.exists()


def test_json_that_is_not_a_job_is_a_422_naming_the_field(api):
    wrong = api.post("/api/v1/jobs", {"duration_s": 7}, content_type="application/json")
    assert wrong.status_code == 422 and wrong.json()["code"] == "invalid_request"
    assert wrong.json()["errors"][0]["loc"] == ["body", "duration_s"]
    as_text = api.post("/api/v1/jobs", {"duration_s": "5"}, content_type="application/json")
    assert as_text.status_code == 422
    assert as_text.json()["errors"][0]["loc"] == ["body", "duration_s"]
    listed = api.post("/api/v1/jobs", [1, 2], content_type="application/json")
    assert listed.status_code == 422 and listed["Content-Type"] == PROBLEM


@pytest.mark.parametrize("method", ["put", "patch", "options", "trace"])
@pytest.mark.parametrize("path", ["/api/v1/jobs", "/api/v1/points", "/api/v1/jobs/1/cancel"])
def test_an_unknown_method_is_a_405_problem_with_allow(api, method, path):
    response = getattr(api, method)(path)
    assert response.status_code == 405 and response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "method_not_allowed"
    allowed = {"/api/v1/jobs": "GET, POST", "/api/v1/points": "GET"}.get(path, "POST")
    assert response["Allow"] == allowed


@pytest.mark.parametrize(
    "path", ["/api/v1/", "/api/v1/nothing", "/api/v1/jobs/1/nope", "/api/v1/jobs/"]
)
def test_an_unknown_api_path_is_a_404_problem_for_any_method(client, path):
    for response in (client.get(path), client.post(path, {"a": "b"})):
        assert response.status_code == 404 and response["Content-Type"] == PROBLEM
        assert response.json()["code"] == "not_found"


def json_create(api, key=None, **fields):
    headers = {"Idempotency-Key": key} if key else {}
    return api.post("/api/v1/jobs", fields, content_type="application/json", headers=headers)


def test_every_kind_is_created_from_json_under_the_sites_rules(api, alice):

    subscribe(alice, "pro")
    source = finished_job(alice)
    photo = api.post("/api/v1/uploads", png_bytes((90, 160)), content_type="image/png").json()
    made = {
        "text_to_video": json_create(api, prompt="a paper boat", duration_s=10, seed=7),
        "text_to_picture": json_create(api, kind="text_to_picture", prompt="a fox", num_images=2),
        "image_to_video": json_create(api, kind="image_to_video", image_upload=photo["id"]),
        "extend": json_create(api, kind="extend", prompt="it sails on", source_job=source.pk),
    }
    for kind, response in made.items():
        assert response.status_code == 201, (kind, response.content)
        job = Job.objects.get(pk=response.json()["id"], user=alice)
        assert job.kind == kind and job.ledger_ref in held_refs(alice)
    assert Job.objects.get(pk=made["text_to_video"].json()["id"]).params["seed"] == 7
    assert made["text_to_video"].json()["price_points"] == "20"
    assert made["text_to_picture"].json()["price_points"] == "0.4"
    assert Job.objects.get(pk=made["extend"].json()["id"]).source_job == source
    photo_job = Job.objects.get(pk=made["image_to_video"].json()["id"])
    assert photo_job.input_image and photo_job.params["aspect_ratio"] == "9:16"


def test_a_json_create_is_refused_as_a_form_one_is(api, alice):
    refused = json_create(api, prompt="a p 0 r n video of a woman")
    assert refused.status_code == 422 and refused.json()["code"] == "moderation_refused"
    locked = json_create(api, prompt="a boat", mode="professional")
    assert locked.status_code == 403 and locked.json()["code"] == "plan_required"
    assert held_refs(alice) == []


def test_a_json_retry_with_its_idempotency_key_holds_once(api, alice):
    first = json_create(api, prompt="a boat", key="json-1")
    again = json_create(api, prompt="a boat", key="json-1")
    assert first.status_code == 201 and again.status_code == 200
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    other = json_create(api, prompt="a cat", key="json-1")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert len(held_refs(alice)) == 1


def test_an_idempotency_key_is_free_again_after_a_day(api, alice):
    from webapp.api.models import IdempotentRequest

    first = api.post("/api/v1/jobs", t2v_data(), HTTP_IDEMPOTENCY_KEY="daily")
    api.post(f"/api/v1/jobs/{first.json()['id']}/cancel")
    IdempotentRequest.objects.update(created_at=timezone.now() - timedelta(hours=25))
    again = api.post("/api/v1/jobs", t2v_data(), HTTP_IDEMPOTENCY_KEY="daily")
    assert again.status_code == 201 and again.json()["id"] != first.json()["id"]
    assert IdempotentRequest.objects.count() == 1


def test_keys_past_their_day_are_purged(api):
    from webapp.api.models import IdempotentRequest
    from webapp.api.tasks import purge_idempotency_keys

    first = api.post("/api/v1/jobs", t2v_data(), HTTP_IDEMPOTENCY_KEY="old")
    api.post(f"/api/v1/jobs/{first.json()['id']}/cancel")  # the free plan runs one at a time
    api.post("/api/v1/jobs", t2v_data(prompt="a cat"), HTTP_IDEMPOTENCY_KEY="new")
    IdempotentRequest.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    assert purge_idempotency_keys() == 1
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["new"]


def test_a_storyboard_made_on_the_site_is_listed_by_its_kind(api, alice):
    # Storyboards are created through the API too (tests/test_api_storyboard.py).
    Job.objects.create(
        user=alice, kind="storyboard", status="queued", prompt="a story", params={}, points_held=0
    )
    listed = api.get("/api/v1/jobs?kind=storyboard")
    assert listed.status_code == 200 and listed.json()["data"][0]["kind"] == "storyboard"
