"""A staff member in a real Chromium: rejects a flagged output from the review queue and sees the
points go back and the audit row; suspends a user and sees their queued job canceled and
refunded."""

import re

import pytest
from playwright.sync_api import expect

from billing import ledger
from billing.units import format_points
from generation.models import Job
from generation.moderation.models import Flag
from tests.conftest import log_in, make_user
from tests.staff_helpers import flagged_output_job, staff_member, submit_job

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_rejects_a_flagged_output_and_the_points_go_back(page):
    owner = make_user("maya@example.com")
    job = flagged_output_job(owner)
    flag = Flag.objects.get(job=job)
    refunded = format_points(ledger.balance(owner) + job.points_held)
    staff_member("mod@example.com", "Moderators", "Support")

    log_in(page, "mod@example.com")
    page.goto("/admin/")
    page.get_by_test_id("review-queue-link").click()

    expect(page.locator("#changelist-filter li.selected", has_text="Pending")).to_be_visible()
    thumb = page.get_by_test_id("flag-thumb")
    expect(thumb).to_have_count(1)
    # The real poster, once it has loaded (on a busy machine that is not at once).
    assert thumb.evaluate("img => img.decode().then(() => img.naturalWidth)") == 64
    expect(page.locator("#result_list")).to_contain_text("FEMALE_BREAST_EXPOSED")
    expect(page.locator("#result_list")).to_contain_text("0.47")
    page.get_by_test_id(f"reject-reason-{flag.pk}").fill("Explicit nudity is not allowed.")
    page.get_by_test_id(f"reject-{flag.pk}").click()

    expect(page.locator(".messagelist")).to_contain_text("Rejected")
    expect(page.get_by_test_id(f"reject-{flag.pk}")).to_have_count(0)  # gone from the queue

    page.goto("/admin/")
    page.get_by_role("link", name="Audit log").first.click()
    row = page.locator("#result_list tbody tr").first
    expect(row).to_contain_text("Rejected a flagged item")
    expect(row).to_contain_text("Explicit nudity is not allowed.")
    expect(row).to_contain_text("mod@example.com")
    row.get_by_role("link", name="maya@example.com").click()

    expect(page.get_by_test_id("user-balance")).to_have_text(refunded)
    expect(page.get_by_test_id("user-held")).to_have_text("0")
    expect(page.get_by_test_id(f"user-job-{job.pk}")).to_contain_text("Rejected")
    expect(page.get_by_test_id("user-ledger")).to_contain_text("Returned")
    expect(page.get_by_test_id("user-flags")).to_contain_text("Explicit nudity is not allowed.")


def test_staff_suspends_a_user_and_their_queued_job_is_canceled_and_refunded(page):
    user = make_user("otto@example.com")
    job = submit_job(user)
    assert job.status == Job.Status.QUEUED
    refunded = format_points(ledger.balance(user) + job.points_held)
    staff_member("support@example.com", "Support")

    log_in(page, "support@example.com")
    page.goto("/admin/accounts/user/?q=otto")
    page.get_by_test_id(f"staff-page-{user.pk}").click()
    expect(page.get_by_test_id(f"user-job-{job.pk}")).to_contain_text("Queued")
    expect(page.get_by_test_id("user-held")).to_have_text(format_points(job.points_held))

    suspend = page.get_by_test_id("suspend-form")
    suspend.get_by_label("Reason").fill("Bulk sign-ups from one card")
    suspend.get_by_test_id("suspend").click()

    expect(page.locator(".messagelist")).to_contain_text("1 job(s) canceled and refunded")
    expect(page.get_by_test_id("account-state")).to_have_text("suspended")
    expect(page.get_by_test_id(f"user-job-{job.pk}")).to_contain_text("Canceled")
    expect(page.get_by_test_id("user-balance")).to_have_text(refunded)
    expect(page.get_by_test_id("user-held")).to_have_text("0")
    expect(page.get_by_test_id("user-audit-row").first).to_contain_text(
        "Bulk sign-ups from one card"
    )

    # And the suspended user cannot log in.
    page.context.clear_cookies()
    log_in(page, "otto@example.com")
    expect(page).to_have_url(re.compile(r"/accounts/inactive/"))
