"""A member tells a two-shot story in the browser: the price follows the shots before
submitting, the video plays, and the points page shows the hold and its capture."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import log_in, make_user, start_worker, stop_worker, subscribe
from tests.gen_helpers import give_points

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The bound of the waits on the job: its time limit (the site fails a job not done by then) and
# the grace before its process is killed. Each wait ends as soon as its event happens.
JOB_TIME_LIMIT = 900


def test_a_two_shot_storyboard_shows_its_price_plays_and_is_paid_for(page, tmp_path, settings):
    settings.JOB_SOFT_TIME_LIMIT = JOB_TIME_LIMIT
    user = make_user("mei@example.com")
    subscribe(user, "standard")
    give_points(user, 100)
    worker = start_worker(
        tmp_path,
        env={
            "JOB_HEARTBEAT_SECONDS": "1",
            "GENERATION_STEPS": "text_to_video=2,extend=2",
            "JOB_SOFT_TIME_LIMIT": str(JOB_TIME_LIMIT),
        },
    )
    try:
        log_in(page, "mei@example.com")
        page.get_by_role("link", name="Create").first.click()
        page.locator("label[for=kind-storyboard]").click()
        shots = page.locator("#storyboard .shot")
        expect(shots.nth(0)).to_be_visible()
        expect(shots.nth(1)).to_be_visible()
        expect(shots.nth(2)).to_be_hidden()  # two to start with; more on demand
        expect(page.locator("#id_prompt")).to_be_hidden()  # each shot has its own prompt
        expect(page.locator("#price")).to_have_text("12")  # two shots of 3 s, 2 points a second

        page.fill("#id_shot_prompt_1", "a lighthouse on a cliff at dawn, waves below")
        page.fill("#id_shot_prompt_2", "the lighthouse keeper climbs the spiral stairs")
        page.select_option("select[name=shot_duration_2]", "2")
        expect(page.locator("#price")).to_have_text("10")
        page.get_by_role("button", name="Add a shot").click()
        expect(shots.nth(2)).to_be_visible()
        expect(page.locator("#price")).to_have_text("16")  # 3 + 2 + 3 s
        shots.nth(2).get_by_role("button", name="Remove").click()
        expect(page.locator("#price")).to_have_text("10")  # back to 3 + 2 s
        page.locator("#generate").click()

        expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
        job_id = int(re.search(r"/jobs/(\d+)/", page.url)[1])
        bound = (JOB_TIME_LIMIT + settings.JOB_KILL_GRACE) * 1000
        expect(page.locator("video#player")).to_be_visible(timeout=bound)
        duration = page.evaluate(
            """async () => {
                const v = document.querySelector('video#player');
                const ready = new Promise(r => v.addEventListener('loadedmetadata', r));
                if (!(v.duration > 0)) await ready;
                return v.duration;
            }"""
        )
        assert duration == pytest.approx(5, abs=0.2)  # 3 + 2 s

        page.goto("/points/")
        history = page.get_by_test_id("history")
        expect(history).to_contain_text(f"Spent on job #{job_id}")
        rows = page.get_by_test_id("history-row").filter(has_text=f"job #{job_id}")
        hold, capture = (
            rows.and_(page.locator("[data-kind=hold]")),
            rows.and_(page.locator("[data-kind=capture]")),
        )
        expect(hold).to_contain_text("-10")  # held on submit: 5 s at 2 points a second
        expect(hold.locator(".hold-status.captured")).to_be_visible()
        expect(capture).to_have_count(1)
    finally:
        stop_worker(worker)
