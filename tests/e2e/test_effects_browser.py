"""Bring an old photo to life, as one click in the browser: the Effects tab, the price shown
before submitting, the video plays, and the points page shows the hold and its capture."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import log_in, make_user, start_worker, stop_worker
from tests.effect_helpers import seed_old_photo
from tests.fixtures.portraits import png, portrait, sepia
from tests.gen_helpers import give_points

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The bound of the waits on the job: its time limit and the grace before its process is killed.
# Each wait ends as soon as its event happens.
JOB_TIME_LIMIT = 900


def test_an_old_photo_is_brought_to_life_with_its_price_shown_and_paid(page, tmp_path, settings):
    settings.JOB_SOFT_TIME_LIMIT = JOB_TIME_LIMIT
    seed_old_photo()
    user = make_user("lin@example.com")
    give_points(user, 100)
    old_photo = tmp_path / "grandparents-1952.png"
    old_photo.write_bytes(png(sepia(portrait())))
    worker = start_worker(
        tmp_path,
        env={
            "JOB_HEARTBEAT_SECONDS": "1",
            "GENERATION_STEPS": "image_to_video=2,text_to_picture=2",
            "JOB_SOFT_TIME_LIMIT": str(JOB_TIME_LIMIT),
        },
    )
    try:
        log_in(page, "lin@example.com")
        page.get_by_role("link", name="Create").first.click()
        page.locator("label[for=kind-effect]").click()
        card = page.get_by_test_id("effect-old-photo")
        expect(card).to_contain_text("Bring an old photo to life")
        expect(card).to_contain_text("10 points")
        card.click()
        expect(page.locator("#price")).to_have_text("10")  # the price, before submitting
        page.set_input_files("#id_effect_image", str(old_photo))
        page.get_by_label("Restore faces").check()
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
        assert duration == pytest.approx(5, abs=0.2)

        page.goto("/points/")
        rows = page.get_by_test_id("history-row").filter(has_text=f"job #{job_id}")
        hold, capture = (
            rows.and_(page.locator("[data-kind=hold]")),
            rows.and_(page.locator("[data-kind=capture]")),
        )
        expect(hold).to_contain_text("-10")  # held on submit
        expect(hold.locator(".hold-status.captured")).to_be_visible()
        expect(capture).to_have_count(1)
    finally:
        stop_worker(worker)
