"""The whole sharing loop in a real Chromium: a free user publishes a work; a logged-out visitor
opens the link, finds the OpenGraph tags and watches the watermarked clip play; another user
likes it, remixes it (the create page filled in, no photo carried over) and reports it; reports
pass the threshold and hide it; staff restore it and the audit log shows each step. Then
screenshots of explore, a public page and a profile at 1280 and 390 px, in English and in
Simplified Chinese (var/screenshots/explore-1280.png, profile-390-zh-hans.png...)."""

import io
from itertools import product

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from PIL import Image
from playwright.sync_api import expect

from generation.models import Asset, Job
from tests.conftest import PASSWORD, make_user
from tests.e2e.test_screenshots import (
    LANGUAGES,
    SHOTS,
    WIDTHS,
    finished_video,
    sideways_overflow,
)
from tests.gen_helpers import give_points
from tests.staff_helpers import staff_member
from webapp.sharing import services
from webapp.sharing.models import Remix, Share
from webapp.staff.models import AuditEntry

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PROMPT = "A paper boat drifts down a rainy street at dusk, neon lights"


def signed_in(browser, live_server, email, **options):
    context = browser.new_context(base_url=live_server.url, locale="en-US", **options)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.get_by_test_id("account-menu")).to_be_visible()
    return page


def fresh_visit(browser, live_server, path):
    """A logged-out visitor with an empty browser cache."""
    page = browser.new_context(base_url=live_server.url, locale="en-US").new_page()
    return page.goto(path)


def test_publish_view_like_remix_report_hide_and_restore(browser, live_server, settings):
    settings.SHARE_REPORT_THRESHOLD = 2
    fay = make_user("fay@example.com", display_name="Fay Films")
    job = finished_video(fay, PROMPT, watermarked=True)
    gus, hal = make_user("gus@example.com"), make_user("hal@example.com")
    give_points(gus, 100)
    moderator = staff_member("mod@example.com", "Moderators")

    # The free user publishes the work from its page.
    owner = signed_in(browser, live_server, "fay@example.com")
    owner.goto(f"/jobs/{job.pk}/")
    owner.get_by_test_id("publish").click()
    link = owner.get_by_test_id("share-link")
    expect(link).to_be_visible()
    share = Share.objects.get(job=job)
    path = f"/share/{share.token}/"
    assert link.input_value().endswith(path)

    # A logged-out visitor: OpenGraph tags, the creator's name, the watermarked clip playing.
    visitor = browser.new_context(base_url=live_server.url, locale="en-US").new_page()
    response = visitor.goto(path)
    assert response.status == 200 and "public" in response.headers["cache-control"]
    og_image = visitor.locator('meta[property="og:image"]').get_attribute("content")
    assert og_image.endswith(f"/share/{share.token}/file/poster/")
    assert visitor.locator('meta[property="og:video"]').count() == 1
    expect(visitor.get_by_test_id("creator")).to_have_text("Fay Films")
    expect(visitor.get_by_test_id("shared-prompt")).to_have_text(PROMPT)
    player = visitor.locator("video#player")
    player.evaluate("v => { v.muted = true; return v.play(); }")
    visitor.wait_for_function(
        "() => { const v = document.querySelector('video#player'); "
        "return v.readyState >= 2 && v.currentTime > 0; }"
    )
    served = visitor.request.get(f"{path}file/video/").body()
    assert served == job.video.marked_file.open("rb").read() != job.video.file.open("rb").read()

    # Another user likes it and remixes it: the prompt and options, no photo.
    fan = signed_in(browser, live_server, "gus@example.com")
    fan.goto(path)
    fan.get_by_test_id("like").click()
    expect(fan.get_by_test_id("like-count")).to_have_text("1")
    fan.get_by_test_id("remix").click()
    expect(fan.get_by_test_id("remix-note")).to_be_visible()
    expect(fan.locator("textarea[name=prompt]")).to_have_value(PROMPT)
    assert fan.locator("input[name=image]").input_value() == ""
    fan.locator("#create-form button[type=submit]").last.click()
    fan.wait_for_url("**/jobs/*/")
    remix = Remix.objects.get(source=share)
    assert remix.job.user_id == gus.pk and not remix.job.input_image
    fan.goto(path)
    expect(fan.get_by_test_id("remix-count")).to_have_text("1 remix")

    # Two reports pass the threshold: the work is hidden.
    for page in (fan, signed_in(browser, live_server, "hal@example.com")):
        page.goto(path)
        page.get_by_test_id("report-open").click()
        page.select_option("select[name=reason]", "spam")
        page.get_by_test_id("report-send").click()
        expect(page.locator(".message")).to_contain_text("Thank you")
    # A new visitor: the first one's browser may keep the page its Cache-Control allows.
    assert fresh_visit(browser, live_server, path).status == 404
    assert share.token not in fresh_visit(browser, live_server, "/explore/").text()

    # Staff restore it, with a reason; the audit log has the step.
    staff = signed_in(browser, live_server, "mod@example.com")
    staff.goto("/admin/")
    staff.get_by_test_id("shared-works-link").click()
    card = staff.locator(f'[data-share="{share.token}"]')
    expect(card).to_contain_text("gus@example.com")
    expect(card).to_contain_text("hal@example.com")
    card.locator("input[name=reason]").fill("Not spam: a paper boat")
    card.get_by_test_id("restore").click()
    expect(staff.locator(".messagelist, .messages")).to_contain_text("Done")
    assert fresh_visit(browser, live_server, path).status == 200
    entry = AuditEntry.objects.get(
        target_type=ContentType.objects.get_for_model(Share), target_id=str(share.pk)
    )
    assert (entry.action, entry.staff_id, entry.subject_user_id) == (
        "restore_work",
        moderator.pk,
        fay.pk,
    )
    staff.goto("/admin/staff/auditentry/")
    expect(staff.locator("#result_list")).to_contain_text("Restored a reported work")
    assert Job.objects.filter(user=hal).count() == 0


def add_preview(job):
    """The animated WebP preview a worker makes beside the poster (two frames here)."""
    frames = [Image.new("RGB", (160, 90), color) for color in ((40, 90, 200), (200, 90, 40))]
    buffer = io.BytesIO()
    frames[0].save(buffer, "WEBP", save_all=True, append_images=frames[1:], duration=200, loop=0)
    asset = Asset(job=job, kind=Asset.Kind.PREVIEW, content_type="image/webp", width=160, height=90)
    asset.file.save("preview.webp", ContentFile(buffer.getvalue()), save=False)
    asset.size_bytes = len(buffer.getvalue())
    asset.save()


def test_screenshots_of_explore_a_public_page_and_a_profile(browser, live_server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    fay = make_user("fay@example.com", display_name="Fay Films")
    shares = [
        services.publish(finished_video(fay, prompt, watermarked=True), fay, "public")
        for prompt in (
            PROMPT,
            "Cherry blossoms falling in slow motion over a temple",
            "A lighthouse in a storm, waves crashing",
            "An old photo of my grandparents, smiling",
        )
    ]
    for share in shares:
        add_preview(share.job)
    services.like(shares[0], fay)
    pages = {
        "explore": "/explore/",
        "shared-work": f"/share/{shares[0].token}/",
        "profile": f"/u/{fay.profile.handle}/",
    }
    overflow = {}
    for (device, (width, height)), language in product(WIDTHS.items(), LANGUAGES):
        suffix = "" if language == "en" else f"-{language}"
        context = browser.new_context(
            base_url=live_server.url,
            locale="en-US" if language == "en" else "zh-CN",
            viewport={"width": width, "height": height},
            device_scale_factor=1,
        )
        context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        page = context.new_page()
        for name, url in pages.items():
            page.goto(url)
            page.wait_for_load_state("networkidle")
            if name == "explore":
                # Cards in view play their animated preview in place of the poster.
                page.wait_for_function(
                    """() => [...document.querySelectorAll('.work-card img')].some(i =>
                        i.src.endsWith('/file/preview/') && i.complete && i.naturalWidth > 0)"""
                )
            overflow[(name, device, language)] = sideways_overflow(page)
            page.screenshot(path=str(SHOTS / f"{name}-{width}{suffix}.png"), full_page=True)
        context.close()
    assert all(v == 0 for v in overflow.values()), overflow
