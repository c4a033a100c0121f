"""Storyboards through the API: the create form's rules through the same services.submit (2 to 6
shots within 10 s, each shot screened, members only), priced as the create page prices them,
and every refusal a problem document that holds nothing."""

import pytest

from billing import ledger
from generation.models import Job
from tests.api_helpers import api_for
from tests.gen_helpers import held_refs

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
TWO_SHOTS = [
    {"prompt": "a lighthouse at dawn", "duration_s": 3},
    {"prompt": "the keeper climbs the stairs", "duration_s": 4, "camera_movement": "static"},
]


@pytest.fixture
def member_api(alice):
    """Standard: extends videos (so tells storyboards), no camera movement."""
    return api_for(alice, "standard")


def create(api, shots, **fields):
    body = {"kind": "storyboard", "shots": shots, **fields}
    return api.post("/api/v1/jobs", body, content_type="application/json")


def assert_refused(response, user, before, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == code
    assert held_refs(user) == [] and ledger.balance(user) == before
    return response.json()


def test_a_storyboard_from_json_holds_its_price_and_keeps_its_shots(member_api, alice):
    before = ledger.balance(alice)
    quoted = member_api.get(
        "/api/v1/quote?kind=storyboard&shot_duration_s=3&shot_duration_s=4"
    ).json()
    response = create(member_api, TWO_SHOTS, seed=11)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["status"]) == ("storyboard", "queued")
    assert body["price_points"] == quoted["price_points"] == "14"  # 7 s at 2 points a second
    job = Job.objects.get(pk=body["id"], user=alice)
    assert job.params["shots"] == [
        {"prompt": "a lighthouse at dawn", "duration_s": 3, "camera_movement": "static"},
        {"prompt": "the keeper climbs the stairs", "duration_s": 4, "camera_movement": "static"},
    ]
    assert (job.params["duration_s"], job.params["seed"]) == (7, 11)
    assert job.prompt == "a lighthouse at dawn\nthe keeper climbs the stairs"
    assert body["params"]["shots"] == job.params["shots"]
    assert held_refs(alice) == [job.ledger_ref] and ledger.balance(alice) == before - 140


def test_seven_shots_are_a_422_naming_the_limit_and_hold_nothing(member_api, alice):
    before = ledger.balance(alice)
    shots = [{"prompt": f"shot number {n}", "duration_s": 1} for n in range(1, 8)]
    problem = assert_refused(create(member_api, shots), alice, before, 422, "invalid_request")
    assert problem["errors"] == {"shots": ["A storyboard has at most 6 shots; this one has 7."]}
    assert not Job.objects.filter(user=alice).exists()


@pytest.mark.parametrize(
    "shots, message",
    [
        (
            [{"prompt": "only one shot", "duration_s": 3}],
            "A storyboard needs at least 2 shots: write a prompt for each.",
        ),
        (
            [{"prompt": "a", "duration_s": 5}, {"prompt": "b", "duration_s": 5}, {"prompt": "c"}],
            "The shots add up to 13 s; a storyboard lasts at most 10 s.",
        ),
    ],
)
def test_too_few_shots_or_too_long_a_story_is_the_forms_message(member_api, alice, shots, message):
    before = ledger.balance(alice)
    problem = assert_refused(create(member_api, shots), alice, before, 422, "invalid_request")
    assert problem["errors"] == {"shots": [message]}


def test_a_shot_without_words_or_of_six_seconds_is_malformed(member_api, alice):
    before = ledger.balance(alice)
    for bad in ({"prompt": "   ", "duration_s": 3}, {"prompt": "a", "duration_s": 6}):
        response = create(member_api, [TWO_SHOTS[0], bad])
        problem = assert_refused(response, alice, before, 422, "invalid_request")
        assert problem["errors"][0]["loc"][:3] == ["body", "shots", "1"]


def test_one_banned_shot_refuses_the_story_with_its_category_and_holds_nothing(member_api, alice):
    before = ledger.balance(alice)
    shots = [{"prompt": "a quiet beach"}, {"prompt": "a p 0 r n video of a woman"}]
    problem = assert_refused(create(member_api, shots), alice, before, 422, "moderation_refused")
    assert problem["category"] == "sexual"
    job = Job.objects.get(pk=problem["job_id"], user=alice)
    assert (job.kind, job.status, job.points_held) == ("storyboard", "rejected", 0)


def test_the_free_plan_is_403_plan_required_and_holds_nothing(alice):
    api = api_for(alice)
    before = ledger.balance(alice)
    problem = assert_refused(create(api, TWO_SHOTS), alice, before, 403, "plan_required")
    assert problem["detail"] == "Storyboards come with Standard and higher plans."
    assert set(problem["errors"]) == {"storyboard"}
    assert not Job.objects.filter(user=alice).exists()
    # The catalogue and the quote say so before anything is sent.
    kinds = {k["value"]: k["allowed"] for k in api.get("/api/v1/models").json()["kinds"]}
    assert kinds["storyboard"] is False and kinds["text_to_video"] is True
    quote = api.get("/api/v1/quote?kind=storyboard&shot_duration_s=2&shot_duration_s=3").json()
    assert quote["price_points"] == "10" and set(quote["locked"]) == {"storyboard"}


def test_a_camera_move_in_a_shot_needs_the_plan_with_camera_movement(member_api, alice):
    before = ledger.balance(alice)
    shots = [TWO_SHOTS[0], {**TWO_SHOTS[1], "camera_movement": "orbit"}]
    problem = assert_refused(create(member_api, shots), alice, before, 403, "plan_required")
    assert problem["detail"] == "Camera movement comes with Pro and higher plans."
    quote = member_api.get(
        "/api/v1/quote?kind=storyboard&shot_duration_s=3&shot_duration_s=4"
        "&shot_camera_movement=static&shot_camera_movement=orbit"
    ).json()
    assert set(quote["locked"]) == {"storyboard"}


def test_the_catalogue_and_quote_price_a_story_per_second(member_api):
    body = member_api.get("/api/v1/models").json()
    kinds = {k["value"]: k["allowed"] for k in body["kinds"]}
    assert kinds["storyboard"] is True
    prices = {(p["kind"], p["duration_s"], p["mode"]): p["price_points"] for p in body["prices"]}
    assert prices[("storyboard", 2, "standard")] == "4"
    assert prices[("storyboard", 10, "standard")] == "20"
    assert prices[("storyboard", 7, "professional")] == "49"
    quote = "/api/v1/quote?kind=storyboard&mode=professional&shot_duration_s=3&shot_duration_s=4"
    assert member_api.get(quote).json()["price_points"] == "49"
    for bad in ("shot_duration_s=3", "shot_duration_s=6&shot_duration_s=1", ""):
        response = member_api.get(f"/api/v1/quote?kind=storyboard&{bad}")
        assert response.status_code == 422 and response["Content-Type"] == PROBLEM
    seven = "&".join(["shot_duration_s=1"] * 7)
    assert member_api.get(f"/api/v1/quote?kind=storyboard&{seven}").status_code == 422


def test_an_idempotent_retry_of_a_storyboard_holds_once(member_api, alice):
    headers = {"Idempotency-Key": "story-1"}
    body = {"kind": "storyboard", "shots": TWO_SHOTS}
    first = member_api.post("/api/v1/jobs", body, content_type="application/json", headers=headers)
    again = member_api.post("/api/v1/jobs", body, content_type="application/json", headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and len(held_refs(alice)) == 1
    other = {"kind": "storyboard", "shots": [TWO_SHOTS[1], TWO_SHOTS[0]]}
    reused = member_api.post(
        "/api/v1/jobs", other, content_type="application/json", headers=headers
    )
    assert reused.json()["code"] == "idempotency_key_reused"
