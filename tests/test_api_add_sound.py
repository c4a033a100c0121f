"""Adding sound to one of your silent videos through the API: the site's create form and
services.submit, priced per second of the video as GET /quote and GET /models say, the quoted
price held; every video that cannot take sound, and a site whose model cannot add it, a
documented problem that holds nothing."""

import pytest
from django.utils import timezone
from PIL import Image

from billing import ledger
from generation.engine.matrix import moving_clip
from generation.models import Job
from generation.moderation.models import BlockedTerm
from tests.api_helpers import JOBS, api_for, created, post_json, quoted
from tests.gen_helpers import held_refs
from tests.provenance_helpers import finished_job

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
PROMPT = "waves on the rocks, gulls, a woman laughs"
NOT_YOURS = "That video is not one of your finished videos."


def silent_video(user, count=24):
    """A finished silent video of `count` frames at 8 fps (24: 3 s)."""
    return finished_job(user, watermarked=True, frames=moving_clip(count, 128, 96))


def refused(response, user, before: int, jobs: int, status=422, code="invalid_request") -> dict:
    """The problem document; no job was made and no point held."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["code"] == code, body
    assert held_refs(user) == [] and ledger.balance(user) == before
    assert Job.objects.filter(user=user).count() == jobs
    return body


@pytest.fixture
def api(alice):
    return api_for(alice)


def test_sound_is_added_to_your_video_for_its_quoted_price(api, alice):
    work = silent_video(alice)  # 3 s
    price = quoted(api, kind="add_sound", sound_source=work.pk)
    assert price == quoted(api, kind="add_sound", clip_seconds=3) == "3"

    response = post_json(api, kind="add_sound", sound_source=work.pk, prompt=PROMPT)

    job = created(response, alice, price)
    body = response.json()
    assert job.kind == "add_sound" and job.source_job == work
    assert body["kind"] == "add_sound" and body["source_job"] == work.pk
    assert body["params"]["sound"] is True and body["params"]["source_s"] == 3.0
    assert (job.params["duration_s"], job.params["mode"]) == (3, "standard")
    detail = api.get(f"{JOBS}/{job.pk}").json()
    assert detail["source_job"] == work.pk and detail["prompt"] == PROMPT


def test_a_form_adds_sound_too_whatever_mode_it_asks(api, alice):
    work = silent_video(alice, count=40)  # 5 s
    data = {"kind": "add_sound", "sound_source": str(work.pk), "prompt": PROMPT}

    job = created(api.post(JOBS, {**data, "mode": "professional"}), alice, "5")

    assert job.params["mode"] == "standard" and job.source_job == work


@pytest.mark.parametrize(
    "case, message",
    [
        ("someone else's", NOT_YOURS),
        ("failed", NOT_YOURS),
        ("running", NOT_YOURS),
        ("held for review", NOT_YOURS),
        ("deleted", NOT_YOURS),
        ("a picture", NOT_YOURS),
        ("made with sound", "This video already has sound."),
        ("sound added", "This video already has sound."),
        ("11 s long", "This video is 11 s long; sound is added to videos of up to 10 s."),
        ("none", "Choose one of your videos to add sound to."),
    ],
)
def test_a_video_that_cannot_take_sound_is_refused_and_holds_nothing(
    api, alice, bob, case, message
):
    work = {
        "someone else's": lambda: silent_video(bob),
        "a picture": lambda: finished_job(
            alice, watermarked=True, images=[Image.new("RGB", (64, 48))]
        ),
        "11 s long": lambda: silent_video(alice, count=89),  # an extended video
        "none": lambda: None,
    }.get(case, lambda: silent_video(alice))()
    changes = {
        "failed": {"status": Job.Status.FAILED},
        "running": {"status": Job.Status.RUNNING},
        "held for review": {"status": Job.Status.REVIEW},
        "deleted": {"deleted_at": timezone.now()},
        "made with sound": {"params": {"aspect_ratio": "16:9", "sound": True}},
        "sound added": {"kind": Job.Kind.ADD_SOUND},
    }
    if case in changes:
        Job.objects.filter(pk=work.pk).update(**changes[case])
    before, jobs = ledger.balance(alice), Job.objects.filter(user=alice).count()
    source = {"sound_source": work.pk} if work else {}

    body = refused(post_json(api, kind="add_sound", prompt=PROMPT, **source), alice, before, jobs)

    assert body["errors"] == {"sound_source": [message]}
    if work:  # the quote gives the same answer: no price for a video that cannot take sound
        answer = api.get("/api/v1/quote", {"kind": "add_sound", "sound_source": work.pk})
        assert answer.status_code == 422 and answer.json()["errors"]["sound_source"] == [message]


def test_a_prompt_is_needed_and_screened(api, alice):
    work = silent_video(alice)
    before, jobs = ledger.balance(alice), Job.objects.filter(user=alice).count()
    body = refused(post_json(api, kind="add_sound", sound_source=work.pk), alice, before, jobs)
    assert body["errors"]["prompt"][0].startswith("Describe the sound you want")

    BlockedTerm.objects.create(term="purple elephant", category="hate", action="refuse")
    response = post_json(
        api, kind="add_sound", sound_source=work.pk, prompt="a purple elephant trumpets"
    )
    body = refused(response, alice, before, jobs + 1, code="moderation_refused")
    rejected = Job.objects.get(pk=body["job_id"])  # kept, with nothing held, to be appealed
    assert rejected.status == Job.Status.REJECTED and rejected.points_held == 0


def test_a_site_whose_model_cannot_add_sound_refuses_it_with_422(api, alice, settings):
    settings.GENERATION_MODEL = "tiny-wan"
    work = silent_video(alice)
    before, jobs = ledger.balance(alice), Job.objects.filter(user=alice).count()

    response = post_json(api, kind="add_sound", sound_source=work.pk, prompt=PROMPT)

    body = refused(response, alice, before, jobs, code="unsupported_kind")
    assert "kind" in body["errors"]
    models = api.get("/api/v1/models").json()
    assert {"value": "add_sound", "label": "Add sound", "allowed": False} in models["kinds"]
    assert not [row for row in models["prices"] if row["kind"] == "add_sound"]


def test_models_lists_added_sound_per_second_of_the_video_for_every_plan(api):
    models = api.get("/api/v1/models").json()

    assert {"value": "add_sound", "label": "Add sound", "allowed": True} in models["kinds"]
    rows = [row for row in models["prices"] if row["kind"] == "add_sound"]
    assert [(r["duration_s"], r["price_points"]) for r in rows] == [
        (seconds, str(seconds)) for seconds in range(1, 11)
    ]
    assert {(r["mode"], r["sound"], r["effect"]) for r in rows} == {("standard", True, None)}


def test_a_quote_needs_the_video_or_its_length(api):
    for query in ({}, {"clip_seconds": 11}, {"clip_seconds": 0}):
        answer = api.get("/api/v1/quote", {"kind": "add_sound", **query})
        assert answer.status_code == 422 and answer["Content-Type"] == PROBLEM
    assert quoted(api, kind="add_sound", clip_seconds=10, mode="professional") == "10"
