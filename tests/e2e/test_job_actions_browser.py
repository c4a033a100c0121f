"""The create and job pages in a real Chromium: Cancel and Delete look like what they are and take
two steps, a free user is offered plans instead of buttons that can only fail, and the creativity
slider shows its value."""

import pytest
from playwright.sync_api import expect

from generation.models import Job
from tests.conftest import log_in, make_user, tier

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def finished(user, status=Job.Status.FAILED, **extra) -> Job:
    return Job.objects.create(
        user=user,
        kind=Job.Kind.TEXT_TO_VIDEO,
        status=status,
        prompt="a lighthouse in a storm",
        params={"aspect_ratio": "16:9", "duration_s": 5, "mode": "standard", "seed": 5},
        model_spec="tiny",
        points_held=0,
        **extra,
    )


def background(locator) -> str:
    return locator.evaluate("el => getComputedStyle(el).backgroundColor")


def test_delete_is_outlined_and_takes_two_steps(page):
    user = make_user("ida@example.com")
    job = finished(user)
    log_in(page, "ida@example.com")
    page.goto(f"/jobs/{job.pk}/")

    delete = page.locator("#delete")
    assert background(delete) == "rgba(0, 0, 0, 0)"  # outlined, not the filled primary look
    delete.click()
    expect(page.get_by_test_id("delete-confirm")).to_contain_text("cannot be recovered")
    assert Job.objects.get(pk=job.pk).deleted_at is None  # the first click asked, no more
    page.locator("#delete-yes").click()

    expect(page.locator(".message.success")).to_have_text("Deleted.")
    assert Job.objects.get(pk=job.pk).deleted_at is not None


def test_cancelling_a_running_job_asks_first(page):
    user = make_user("jon@example.com")
    job = finished(user, status=Job.Status.QUEUED)
    log_in(page, "jon@example.com")
    page.goto(f"/jobs/{job.pk}/")
    cancel = page.locator("#cancel")
    assert background(cancel) == "rgba(0, 0, 0, 0)"
    cancel.click()
    expect(page.locator("#cancel-yes")).to_be_visible()
    page.get_by_role("link", name="Keep it running").click()
    assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED


def test_a_free_user_is_offered_plans_instead_of_extending(page):
    for code in ("standard", "pro", "premier"):
        tier(code)
    user = make_user("kim@example.com")
    job = finished(user, status=Job.Status.SUCCEEDED)
    log_in(page, "kim@example.com")

    page.goto("/create/")
    expect(page.locator("#generate")).to_be_visible()
    page.locator("label[for=kind-extend]").click()
    expect(page.locator("#generate")).to_be_hidden()
    expect(page.get_by_test_id("extend-see-plans")).to_be_visible()
    expect(page.get_by_test_id("extend-locked")).to_contain_text("Standard and higher plans")

    value = page.get_by_test_id("creativity-value")
    expect(value).to_have_text("0.50")
    page.locator("#id_creativity").fill("0.8")
    expect(value).to_have_text("0.80")

    page.goto(f"/jobs/{job.pk}/")
    expect(page.get_by_test_id("generate-again")).to_be_visible()
    page.goto(f"/create/?from={job.pk}")
    expect(page.locator("#id_seed")).to_have_value("")  # a new seed, not the same video again
