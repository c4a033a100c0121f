"""Restyling a clip in the browser: the price follows the uploaded clip's length before
submitting, the strength slider moves, the job page shows the source and the result side by
side, and the points page shows the hold and its capture."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import log_in, make_user, start_worker, stop_worker
from tests.gen_helpers import clip_bytes, give_points

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The bound of the waits on the job: its time limit (the site fails a job not done by then) and
# the grace before its process is killed. Each wait ends as soon as its event happens.
JOB_TIME_LIMIT = 900

DURATION = """async (selector) => {
    const v = document.querySelector(selector);
    const ready = new Promise(r => v.addEventListener('loadedmetadata', r));
    if (!(v.duration > 0)) await ready;
    return v.duration;
}"""


def test_a_clip_is_restyled_shown_beside_its_source_and_paid_for(page, tmp_path, settings):
    settings.JOB_SOFT_TIME_LIMIT = JOB_TIME_LIMIT
    make_user("lin@example.com")  # a free plan: restyles are open to every plan
    from django.contrib.auth import get_user_model

    give_points(get_user_model().objects.get(email="lin@example.com"), 100)
    clip = tmp_path / "street.mp4"
    clip.write_bytes(clip_bytes(2, fps=24, size=(320, 180)))
    worker = start_worker(
        tmp_path,
        env={
            "JOB_HEARTBEAT_SECONDS": "1",
            "GENERATION_STEPS": "text_to_video=2",
            "JOB_SOFT_TIME_LIMIT": str(JOB_TIME_LIMIT),
        },
    )
    try:
        log_in(page, "lin@example.com")
        page.get_by_role("link", name="Create").first.click()
        page.locator("label[for=kind-restyle]").click()
        expect(page.get_by_test_id("restyle")).to_be_visible()
        page.set_input_files("#id_video", str(clip))
        expect(page.locator("#clip-preview")).to_be_visible()
        expect(page.locator("#price")).to_have_text("4")  # 2 s at 2 points a second
        page.fill("#id_strength", "0.8")
        expect(page.get_by_test_id("strength-value")).to_have_text("0.80")
        page.fill("#id_prompt", "the same street as a watercolour painting")
        expect(page.locator("#price")).to_have_text("4")  # strength does not change the price
        page.locator("#generate").click()

        expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
        job_id = int(re.search(r"/jobs/(\d+)/", page.url)[1])
        expect(page.get_by_test_id("restyle-source")).to_be_visible()
        bound = (JOB_TIME_LIMIT + settings.JOB_KILL_GRACE) * 1000
        result = page.get_by_test_id("restyle-result")
        expect(result).to_be_visible(timeout=bound)
        pair = page.get_by_test_id("restyle-pair")
        expect(pair).to_contain_text("Your clip")
        expect(pair).to_contain_text("Restyled (strength 0.80)")
        source_box, result_box = (
            page.get_by_test_id("restyle-source").bounding_box(),
            result.bounding_box(),
        )
        assert source_box["x"] + source_box["width"] <= result_box["x"]  # side by side
        assert abs(source_box["y"] - result_box["y"]) < 40
        assert page.evaluate(DURATION, "[data-testid=restyle-source]") == pytest.approx(2, abs=0.2)
        assert page.evaluate(DURATION, "[data-testid=restyle-result]") == pytest.approx(2, abs=0.2)

        page.goto("/points/")
        history = page.get_by_test_id("history")
        expect(history).to_contain_text(f"Spent on job #{job_id}")
        rows = page.get_by_test_id("history-row").filter(has_text=f"job #{job_id}")
        hold, capture = (
            rows.and_(page.locator("[data-kind=hold]")),
            rows.and_(page.locator("[data-kind=capture]")),
        )
        expect(hold).to_contain_text("-4")
        expect(hold.locator(".hold-status.captured")).to_be_visible()
        expect(capture).to_have_count(1)
    finally:
        stop_worker(worker)
