"""Submitting a storyboard: 2 to 6 shots within 10 s, priced per second of the whole story,
each shot screened; every refusal says why and holds nothing; members only."""

import pytest
from django.urls import reverse

from billing import ledger
from generation import services
from generation.models import Job
from tests.conftest import signed_in
from tests.gen_helpers import held_refs, refused, storyboard_data

pytestmark = pytest.mark.django_db
CREATE = reverse("generation:create")
PRICE = reverse("generation:price")
TWO_SHOTS = (("a lighthouse at dawn", 3), ("the keeper climbs the stairs", 4))


@pytest.fixture
def member(client, alice):
    """Standard: extends videos (so tells storyboards), no camera movement."""
    return signed_in(client, alice, "standard")


def test_a_two_shot_storyboard_holds_its_price_per_second_and_keeps_its_shots(
    client, member, django_capture_on_commit_callbacks
):
    before = ledger.balance(member)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(CREATE, storyboard_data(*TWO_SHOTS))
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == reverse("generation:job", args=[job.pk])
    assert (job.kind, job.status) == (Job.Kind.STORYBOARD, Job.Status.QUEUED)
    assert job.params["shots"] == [
        {"prompt": "a lighthouse at dawn", "duration_s": 3, "camera_movement": "static"},
        {"prompt": "the keeper climbs the stairs", "duration_s": 4, "camera_movement": "static"},
    ]
    assert job.params["duration_s"] == 7
    assert job.prompt == "a lighthouse at dawn\nthe keeper climbs the stairs"
    assert job.points_held == 140  # 7 s at 2 points a second
    assert ledger.balance(member) == before - 140
    assert held_refs(member) == [job.ledger_ref]
    assert len(callbacks) == 1
    # Its time limit counts its own shots' calls.
    assert services.time_limit(job) > 0


def test_seven_shots_are_refused_naming_the_limit(client, member):
    data = storyboard_data(*[(f"shot number {n}", 1) for n in range(1, 7)])
    data.update(shot_prompt_7="one shot too many", shot_duration_7="1", shot_camera_7="static")
    page = refused(client, member, data)
    assert "A storyboard has at most 6 shots; this one has 7." in page


def test_an_empty_storyboard_is_refused(client, member):
    page = refused(client, member, storyboard_data())
    assert "A storyboard needs at least 2 shots: write a prompt for each." in page
    page = refused(client, member, storyboard_data(("only one shot", 3)))
    assert "A storyboard needs at least 2 shots" in page


def test_a_story_longer_than_ten_seconds_is_refused(client, member):
    page = refused(client, member, storyboard_data(("a", 5), ("b", 5), ("c", 1)))
    assert "The shots add up to 11 s; a storyboard lasts at most 10 s." in page


def test_one_banned_shot_refuses_the_whole_story_with_nothing_held(client, member):
    before = ledger.balance(member)
    data = storyboard_data(("a quiet beach", 3), ("a p 0 r n video of a woman", 3))
    response = client.post(CREATE, data)
    job = Job.objects.get(user=member)
    assert response.status_code == 302
    assert (job.status, job.points_held) == (Job.Status.REJECTED, 0)
    assert held_refs(member) == [] and ledger.balance(member) == before
    assert "Your prompt was refused: it matches our rules on sexual content." in job.error_message
    flag = job.flags.get()
    assert (flag.kind, flag.field) == ("prompt", "prompt")


def test_the_free_plan_sees_the_locked_tool_naming_the_plan(client, alice):
    signed_in(client, alice)
    html = client.get(CREATE).content.decode()
    assert 'data-testid="storyboard-locked"' in html
    assert "Storyboards come with Standard and higher plans." in html
    assert 'data-testid="storyboard-see-plans"' in html
    page = refused(client, alice, storyboard_data(*TWO_SHOTS))
    assert "Storyboards come with Standard and higher plans." in page


def test_a_camera_move_in_a_shot_needs_the_plan_with_camera_movement(client, member):
    data = storyboard_data(("a", 3), ("b", 3, "orbit"))
    page = refused(client, member, data)
    assert "Camera movement comes with Pro and higher plans." in page


def test_the_price_is_shown_per_second_of_the_whole_story(client, member):
    # The live price never sends prompts: the rows sent are the shots.
    durations = {"kind": "storyboard", "mode": "standard", "duration_s": "5"}
    two = {**durations, "shot_duration_1": "3", "shot_duration_2": "4"}
    assert client.get(PRICE, two).content == b"14"
    assert client.get(PRICE, {**two, "mode": "professional"}).content == b"49"
    assert client.get(PRICE, {**two, "shot_duration_3": "2"}).content == b"18"
    assert client.get(PRICE, {**durations, "shot_duration_1": "3"}).content == b""  # one shot
    # The form re-shown after an error counts only the rows with a prompt.
    locked = storyboard_data(("a", 3), ("b", 5), ("c", 2, "orbit"))  # the camera is Pro's
    html = client.post(CREATE, locked).content.decode()
    assert '<strong id="price">20</strong>' in html


def test_the_create_page_has_six_shot_rows_that_work_without_javascript(client, member):
    html = client.get(CREATE + "?kind=storyboard").content.decode()
    for n in range(1, 7):
        assert f'name="shot_prompt_{n}"' in html and f'name="shot_duration_{n}"' in html
    assert '<strong id="price">12</strong>' in html  # two shots of 3 s to start with


def test_the_job_page_shows_each_shot_on_a_timeline(
    client, member, django_capture_on_commit_callbacks
):
    data = storyboard_data(("a lighthouse at dawn", 3), ("the keeper climbs", 4, "static"))
    with django_capture_on_commit_callbacks():
        response = client.post(CREATE, data)
    html = client.get(response.url).content.decode()
    assert 'data-testid="timeline"' in html
    assert "0–3 s · Static" in html and "a lighthouse at dawn" in html
    assert "3–7 s · Static" in html and "the keeper climbs" in html


def test_another_user_gets_404_for_a_storyboard(
    client, member, bob, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        response = client.post(CREATE, storyboard_data(*TWO_SHOTS))
    client.force_login(bob)
    assert client.get(response.url).status_code == 404


def test_generate_again_refills_the_shots_and_their_price(
    client, member, django_capture_on_commit_callbacks
):
    shots = (("a", 2), ("b", 1), ("c", 4, "static"))
    with django_capture_on_commit_callbacks():
        client.post(CREATE, storyboard_data(*shots))
    job = Job.objects.get()
    html = client.get(CREATE, {"from": job.pk}).content.decode()
    assert 'value="storyboard" id="kind-storyboard" checked' in html
    assert 'id="id_shot_prompt_3" rows="2" maxlength="2500">c</textarea>' in html
    assert '<strong id="price">14</strong>' in html  # 7 s
