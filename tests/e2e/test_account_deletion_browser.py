"""A person deletes their account in a real Chromium: from the account menu, through a page that
says what will be lost, with their password. Afterwards their files are gone from storage, the
address signs up again as a new user, and the ledger still balances."""

import re

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from billing import ledger
from generation.models import Asset, Job
from tests.conftest import PASSWORD, log_in
from tests.gen_helpers import give_points, png_bytes
from webapp.accounts.models import User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def a_finished_video(user) -> list[str]:
    job = Job.objects.create(
        user=user,
        kind="image_to_video",
        status="succeeded",
        prompt="grandma's photo, smiling",
        params={"aspect_ratio": "16:9", "duration_s": 5, "mode": "standard"},
        model_spec="tiny",
        points_held=100,
    )
    job.input_image.save("grandma.png", ContentFile(png_bytes()), save=True)
    asset = Asset(job=job, kind="video", content_type="video/mp4", width=2, height=2, size_bytes=3)
    asset.file.save("clip.mp4", ContentFile(b"mp4"), save=False)
    asset.marked_file.save("clip-marked.mp4", ContentFile(b"mp4m"), save=False)
    asset.save()
    return [job.input_image.name, asset.file.name, asset.marked_file.name]


def test_delete_an_account_then_sign_up_again_with_the_same_address(page, alice, mailoutbox):
    give_points(alice, 30)
    files = a_finished_video(alice)
    storage = Asset.file.field.storage
    assert all(storage.exists(name) for name in files)

    log_in(page, alice.email)
    page.get_by_test_id("account-menu").click()
    page.get_by_test_id("menu-your-data").click()
    expect(page).to_have_url(re.compile(r"/accounts/data/$"))
    page.get_by_test_id("delete-start").click()

    consequences = page.get_by_test_id("delete-consequences")
    expect(consequences).to_contain_text("Your 1 work and its files are deleted.")
    points = ledger.balance(alice) // 10
    expect(consequences).to_contain_text(f"Your {points} points are forfeited.")

    # A wrong password deletes nothing.
    page.fill("input[name=password]", "not-my-password")
    page.check("input[name=understood]")
    page.get_by_test_id("delete-confirm").click()
    expect(page.get_by_text("That is not your password.")).to_be_visible()
    assert User.objects.get(pk=alice.pk).deleted_at is None

    page.fill("input[name=password]", PASSWORD)
    page.check("input[name=understood]")
    page.get_by_test_id("delete-confirm").click()
    expect(page.get_by_text("Your account and everything in it were deleted.")).to_be_visible()
    expect(page.get_by_test_id("account-menu")).to_have_count(0)

    assert not any(storage.exists(name) for name in files)
    gone = User.objects.get(pk=alice.pk)
    assert gone.deleted_at is not None and not Job.objects.filter(user=gone).exists()
    assert ledger.audit_wallet(gone).ok and ledger.balance(gone) == 0

    # The old password no longer opens anything.
    log_in(page, "alice@example.com")
    expect(page.get_by_test_id("account-menu")).to_have_count(0)

    page.goto("/accounts/signup/")
    page.fill("input[name=email]", "alice@example.com")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    fresh = User.objects.get(email="alice@example.com")
    assert fresh.pk != alice.pk and fresh.deleted_at is None
    assert mailoutbox[-1].to == ["alice@example.com"]
