"""A user turns sound on in the browser: the price changes before submitting, the video plays
with its soundtrack, and the points page shows the hold and its capture."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import log_in, make_user, start_worker, stop_worker
from tests.gen_helpers import give_points

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The bound of the waits on the job: its time limit (the site fails a job not done by then) and
# the grace before its process is killed. Each wait ends as soon as its event happens.
JOB_TIME_LIMIT = 900


def test_a_video_with_sound_shows_its_price_plays_its_audio_and_is_paid_for(
    page, tmp_path, settings
):
    settings.JOB_SOFT_TIME_LIMIT = JOB_TIME_LIMIT
    user = make_user("lan@example.com")  # the free plan: sound is open to every plan
    give_points(user, 100)
    worker = start_worker(
        tmp_path,
        env={
            "JOB_HEARTBEAT_SECONDS": "1",
            "GENERATION_STEPS": "text_to_video=2",
            "JOB_SOFT_TIME_LIMIT": str(JOB_TIME_LIMIT),
        },
    )
    try:
        log_in(page, "lan@example.com")
        page.get_by_role("link", name="Create").first.click()
        page.locator("label[for=kind-text_to_video]").click()
        page.fill("#id_prompt", 'waves on a pebble beach, a gull cries, a girl says "look!"')
        expect(page.locator("#price")).to_have_text("10")
        sound = page.get_by_test_id("sound")
        expect(sound).to_contain_text("describe sounds, music and speech")
        sound.get_by_label("Make it with sound").check()
        expect(page.locator("#price")).to_have_text("15")  # 10 + 5 for the soundtrack
        page.locator("label.chip", has_text="10 s").click()
        expect(page.locator("#price")).to_have_text("30")  # 20 + 2 x 5
        page.locator("label.chip", has_text="5 s").first.click()
        expect(page.locator("#price")).to_have_text("15")
        page.locator("label[for=kind-text_to_picture]").click()
        expect(sound).to_be_hidden()  # not offered for pictures
        page.locator("label[for=kind-text_to_video]").click()
        expect(page.locator("#price")).to_have_text("15")
        page.locator("#generate").click()

        expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
        job_id = int(re.search(r"/jobs/(\d+)/", page.url)[1])
        bound = (JOB_TIME_LIMIT + settings.JOB_KILL_GRACE) * 1000
        expect(page.locator("video#player")).to_be_visible(timeout=bound)
        expect(page.get_by_test_id("with-sound")).to_be_visible()
        page.locator("video#player").click()  # a user gesture, so it may play with sound
        played = page.evaluate(
            """async () => {
                const v = document.querySelector('video#player');
                if (!(v.duration > 0)) {
                    await new Promise(r => v.addEventListener('loadedmetadata', r));
                }
                v.muted = false;
                await v.play();
                await new Promise(r => v.addEventListener('ended', r));
                return {duration: v.duration, audioBytes: v.webkitAudioDecodedByteCount};
            }"""
        )
        assert played["duration"] == pytest.approx(41 / 8, abs=0.1)  # 41 frames at 8 fps
        assert played["audioBytes"] > 0  # the browser decoded its AAC track

        page.goto("/points/")
        history = page.get_by_test_id("history")
        expect(history).to_contain_text(f"Spent on job #{job_id}")
        rows = page.get_by_test_id("history-row").filter(has_text=f"job #{job_id}")
        hold, capture = (
            rows.and_(page.locator("[data-kind=hold]")),
            rows.and_(page.locator("[data-kind=capture]")),
        )
        expect(hold).to_contain_text("-15")  # held on submit: the video and its sound
        expect(hold.locator(".hold-status.captured")).to_be_visible()
        expect(capture).to_have_count(1)
    finally:
        stop_worker(worker)
