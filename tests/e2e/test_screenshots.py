"""Screenshots of the main pages at a laptop's 1280 px and a phone's 390 px, in English and in
Simplified Chinese, for people to look at (CI keeps var/screenshots/ as an artifact), and the
layout checks a designer would make on them: no page scrolls sideways on a phone, the review
queue included, and its Approve and Reject are on screen at both widths."""

import os
from itertools import product
from pathlib import Path

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from playwright.sync_api import expect

from billing import checkout as checkouts
from billing import sandbox
from billing.models import Plan
from generation import media
from generation.models import Asset, Job
from generation.moderation.models import Flag
from generation.provenance import visible
from tests.conftest import PASSWORD, ROOT, make_user, tier
from tests.gen_helpers import give_points
from tests.staff_helpers import flagged_output_job, staff_member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "var" / "screenshots"))
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}
LANGUAGES = ("en", "zh-hans")


def finished_video(user, prompt: str, watermarked: bool) -> Job:
    """A succeeded text-to-video job with a real (gradient) MP4 and poster, as a worker leaves
    it: the clean master, and the visibly marked variant for a free user's job."""
    job = Job.objects.create(
        user=user,
        kind=Job.Kind.TEXT_TO_VIDEO,
        status=Job.Status.SUCCEEDED,
        prompt=prompt,
        params={
            "aspect_ratio": "16:9",
            "duration_s": 5,
            "mode": "standard",
            "creativity": 0.5,
            "seed": 1234,
            "camera_movement": "static",
            "num_images": 1,
        },
        model_spec="tiny",
        points_held=100,
        watermarked=watermarked,
        progress=100,
    )
    t = np.linspace(0, 1, 24)[:, None, None, None]
    x = np.linspace(0, 1, 512)[None, None, :, None]
    y = np.linspace(0, 1, 288)[None, :, None, None]
    frames = np.concatenate(
        [
            np.broadcast_to(80 + 120 * x + 40 * t, (24, 288, 512, 1)),
            np.broadcast_to(60 + 100 * y, (24, 288, 512, 1)),
            np.broadcast_to(160 - 60 * x + 60 * y, (24, 288, 512, 1)),
        ],
        axis=3,
    ).astype(np.uint8)
    for kind, data, content_type, marked in (
        ("video", media.encode_mp4(frames, 8), "video/mp4", None),
        ("poster", media.make_poster(frames[0]), "image/jpeg", None),
    ):
        asset = Asset(job=job, kind=kind, content_type=content_type, width=512, height=288)
        if kind == "video":
            asset.frames, asset.fps = 24, 8
            marked = media.encode_mp4(visible.mark_frames(frames.copy()), 8)
        else:
            marked = media.make_poster(visible.mark_frames(frames[:1].copy())[0])
        asset.file.save(f"{kind}.bin", ContentFile(data), save=False)
        if watermarked:
            asset.marked_file.save(f"{kind}-marked.bin", ContentFile(marked), save=False)
        asset.size_bytes = len(data)
        asset.save()
    return job


@pytest.fixture
def studio(settings):
    """A free user with works and a ledger, a member with payments, and a moderator with a
    flagged job waiting in the queue."""
    settings.STRIPE_SECRET_KEY = ""
    settings.PAYMENTS_SANDBOX = True
    for code in ("standard", "pro", "premier"):
        tier(code)
    call_command("seed_catalogue", stdout=open("/dev/null", "w"))  # noqa: SIM115

    fay = make_user("fay@example.com")
    give_points(fay, 40)
    job = finished_video(fay, "A paper boat drifts down a rainy street at dusk, neon lights", True)
    for status, prompt in (
        (Job.Status.FAILED, "A lighthouse in a storm, waves crashing"),
        (Job.Status.QUEUED, "Cherry blossoms falling in slow motion over a temple"),
    ):
        Job.objects.create(
            user=fay,
            kind=Job.Kind.TEXT_TO_VIDEO,
            status=status,
            prompt=prompt,
            params={"aspect_ratio": "16:9", "duration_s": 5, "mode": "standard"},
            model_spec="tiny",
            points_held=100,
            error_message="The job took too long on our servers. Your points were refunded."
            if status == Job.Status.FAILED
            else "",
        )

    max_ = make_user("max@example.com")
    sandbox.pay(
        checkouts.start_checkout(
            max_, plan=Plan.objects.get(tier__code="standard", period="monthly")
        )
    )
    finished_video(max_, "An old photo of my grandparents, smiling", False)

    owner = make_user("maya@example.com")
    flagged_output_job(owner)
    staff_member("mod@example.com", "Moderators", "Support")
    return {"job": job}


def log_in_as(page, email):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.get_by_test_id("account-menu")).to_be_visible()


def sideways_overflow(page) -> int:
    """How many pixels the page is wider than the window (0: nothing scrolls sideways)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def on_screen(locator) -> bool:
    """The element is inside the window, not clipped by a scrolling box nor covered: what is at
    its left end, centre and right end is the element itself."""
    return locator.evaluate(
        """el => {
            const r = el.getBoundingClientRect();
            if (r.left < 0 || r.top < 0 || r.right > innerWidth || r.bottom > innerHeight) {
                return false;
            }
            // Both ends and the centre: a scrolling box clips from one side.
            return [r.left + 2, r.left + r.width / 2, r.right - 2].every(x => {
                const hit = document.elementFromPoint(x, r.top + r.height / 2);
                return hit === el || el.contains(hit);
            });
        }"""
    )


def test_screenshots_of_every_main_page_at_1280_and_390_px(browser, live_server, studio):
    SHOTS.mkdir(parents=True, exist_ok=True)
    job = studio["job"]
    pages = [
        ("", "home", "/"),
        ("", "sign-up", "/accounts/signup/"),
        ("fay@example.com", "create", "/create/"),
        ("fay@example.com", "job", f"/jobs/{job.pk}/"),
        ("fay@example.com", "works", "/works/"),
        ("fay@example.com", "points", "/points/"),
        ("fay@example.com", "pricing", "/pricing/"),
        ("max@example.com", "billing", "/billing/"),
        ("max@example.com", "billing-upgrade", None),
        ("fay@example.com", "check", "/check/"),
        ("mod@example.com", "staff-queue", "/admin/moderation/flag/"),
    ]
    pro = Plan.objects.get(tier__code="pro", period="monthly")
    overflow = {}
    for (device, (width, height)), language in product(WIDTHS.items(), LANGUAGES):
        suffix = "" if language == "en" else f"-{language}"
        contexts = {}
        for email, name, url in pages:
            if email not in contexts:
                context = browser.new_context(
                    base_url=live_server.url,
                    locale="en-US" if language == "en" else "zh-CN",
                    viewport={"width": width, "height": height},
                    device_scale_factor=1,
                )
                context.add_cookies(
                    [{"name": "django_language", "value": language, "url": live_server.url}]
                )
                contexts[email] = context.new_page()
                contexts[email].set_default_timeout(15_000)
                if email:
                    log_in_as(contexts[email], email)
            page = contexts[email]
            page.goto(url or f"/billing/change/{pro.pk}/")
            page.wait_for_load_state("networkidle")
            if name == "job":  # the first frame, not the player's spinner
                page.wait_for_function(
                    "document.querySelector('#player').readyState >= 2", timeout=60_000
                )
            shot = f"{name}-{width}{suffix}"
            # A full-page picture has no one window for sticky bars (the top bar, the phone's
            # Generate row) to stick to: they are drawn where they sit in the page.
            page.add_style_tag(content=".topbar, .submit-row { position: static !important; }")
            page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=True)
            overflow[shot] = sideways_overflow(page)
            if name == "staff-queue":
                # A moderator on a phone too reaches the decision without scrolling sideways.
                flag = Flag.objects.get(status=Flag.Status.PENDING)
                for test_id in (f"approve-{flag.pk}", f"reject-{flag.pk}"):
                    button = page.get_by_test_id(test_id)
                    button.scroll_into_view_if_needed()
                    assert on_screen(button), (test_id, language, device)
        for page in contexts.values():
            page.context.close()

    assert {name: px for name, px in overflow.items() if px > 0} == {}
    assert len(list(SHOTS.glob("*.png"))) >= len(WIDTHS) * len(LANGUAGES) * len(pages)
