"""A visitor, not signed in, follows the footer link and checks a file in the browser."""

import pytest
from PIL import Image
from playwright.sync_api import expect

from generation.provenance import mark_corpus
from tests.conftest import make_user
from tests.provenance_helpers import finished_job

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_visitor_checks_a_downloaded_video_and_an_unrelated_picture(page, tmp_path):
    # An output as a 480p model makes it (Wan's standard size). The 360p ramp under fresh
    # noise that was here lost version 3 for some job numbers; post-processing now reads each
    # output back and falls back to version 2 (tests/test_mark_read_back.py covers that clip).
    job = finished_job(
        make_user("mei@example.com"),
        watermarked=True,
        frames=mark_corpus.make_clip("portrait", seed=1, frames=16, width=832, height=480),
    )
    video = job.assets.get(kind="video")
    clip = tmp_path / "shared.mp4"
    with video.marked_file.open("rb") as f:
        clip.write_bytes(f.read())
    page.goto("/")
    page.get_by_role("link", name="Was it made here? Check a file").click()
    page.set_input_files("input[name=file]", str(clip))
    page.get_by_role("button", name="Check").click()
    result = page.locator("#result")
    expect(result).to_contain_text(f"Made here: job {job.pk} on")
    expect(result).to_contain_text("AI-generated")
    expect(result.locator("[data-evidence=mark]")).to_contain_text(f"names job {job.pk}")
    expect(result.locator("[data-evidence=manifest]")).to_contain_text("signed by this site")

    picture = tmp_path / "holiday.png"
    Image.new("RGB", (320, 200), (90, 140, 200)).save(picture)
    page.set_input_files("input[name=file]", str(picture))
    page.get_by_role("button", name="Check").click()
    expect(page.locator("#result")).to_contain_text("No mark found.")
