"""A member makes a video from two reference photos in the browser: the photos are previewed,
the price shows and follows the length before submitting, the job page shows the references and
plays the video, and the points page shows the hold and its capture."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import log_in, make_user, start_worker, stop_worker, subscribe
from tests.gen_helpers import give_points, png_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The bound of the waits on the job: its time limit (the site fails a job not done by then) and
# the grace before its process is killed. Each wait ends as soon as its event happens.
JOB_TIME_LIMIT = 900


def test_two_references_show_their_price_and_photos_and_the_video_plays(page, tmp_path, settings):
    settings.JOB_SOFT_TIME_LIMIT = JOB_TIME_LIMIT
    user = make_user("lin@example.com")
    subscribe(user, "standard")
    give_points(user, 100)
    photos = []
    for name, size, color in (
        ("me.png", (120, 80), (30, 160, 60)),
        ("cat.png", (60, 90), (220, 90, 20)),
    ):
        path = tmp_path / name
        path.write_bytes(png_bytes(size, color))
        photos.append(str(path))
    worker = start_worker(
        tmp_path,
        env={
            "JOB_HEARTBEAT_SECONDS": "1",
            "GENERATION_STEPS": "references=2",
            "JOB_SOFT_TIME_LIMIT": str(JOB_TIME_LIMIT),
        },
    )
    try:
        log_in(page, "lin@example.com")
        page.get_by_role("link", name="Create").first.click()
        page.locator("label[for=kind-references]").click()
        expect(page.get_by_test_id("references")).to_be_visible()
        expect(page.get_by_test_id("references-locked")).to_have_count(0)  # a member's tool
        page.set_input_files("#id_references", photos)
        previews = page.get_by_test_id("reference-previews").locator("img")
        expect(previews).to_have_count(2)
        expect(page.locator("#price")).to_have_text("10")  # a 5 s video
        page.locator("input[name=duration_s][value='10']").check()
        expect(page.locator("#price")).to_have_text("20")
        page.locator("input[name=duration_s][value='5']").check()
        expect(page.locator("#price")).to_have_text("10")
        page.fill("#id_prompt", "the man from the first photo strokes the cat in a sunny garden")
        page.locator("#generate").click()

        expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
        job_id = int(re.search(r"/jobs/(\d+)/", page.url)[1])
        references = page.get_by_test_id("reference-photos").locator("img")
        expect(references).to_have_count(2)
        loaded = references.evaluate_all(
            "imgs => Promise.all(imgs.map("
            "  i => i.decode().then(() => [i.naturalWidth, i.naturalHeight])))"
        )
        assert loaded == [[120, 80], [60, 90]]  # each photo as it was sent

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
        assert duration == pytest.approx(5, abs=0.2)
        expect(page.get_by_test_id("reference-photos").locator("img")).to_have_count(2)

        page.goto("/points/")
        history = page.get_by_test_id("history")
        expect(history).to_contain_text(f"Spent on job #{job_id}")
        rows = page.get_by_test_id("history-row").filter(has_text=f"job #{job_id}")
        hold, capture = (
            rows.and_(page.locator("[data-kind=hold]")),
            rows.and_(page.locator("[data-kind=capture]")),
        )
        expect(hold).to_contain_text("-10")  # held on submit: a 5 s video's price
        expect(hold.locator(".hold-status.captured")).to_be_visible()
        expect(capture).to_have_count(1)
    finally:
        stop_worker(worker)
