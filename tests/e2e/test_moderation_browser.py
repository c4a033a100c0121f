"""A person whose prompt is refused sees why, holds no points, and appeals once."""

import pytest
from playwright.sync_api import expect

from billing import ledger
from generation.moderation.models import Flag
from tests.conftest import log_in, make_user
from tests.gen_helpers import give_points
from tests.moderation_helpers import seed_rules

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_refused_prompt_is_explained_and_appealed_once(page):
    seed_rules()
    user = make_user("lin@example.com")
    give_points(user, 100)
    log_in(page, "lin@example.com")
    page.get_by_role("link", name="Create").first.click()
    before = ledger.balance(user)
    page.locator("label[for=kind-text_to_video]").click()
    page.fill("#id_prompt", "a P-0-R-N clip")
    page.locator("#generate").click()

    expect(page.locator("#job-status")).to_contain_text(
        "Your prompt was refused: it matches our rules on sexual content."
    )
    expect(page.get_by_text("No points were held.")).to_be_visible()
    assert ledger.balance(user) == before

    page.fill("#appeal-form textarea", "It is about a film critic's essay.")
    page.get_by_role("button", name="Send appeal").click()
    expect(page.locator("#appeal-status")).to_contain_text("Your appeal is waiting for our team.")
    expect(page.locator("#appeal-form")).to_have_count(0)
    appeal = Flag.objects.get(kind=Flag.Kind.APPEAL)
    assert appeal.message == "It is about a film critic's essay."

    page.get_by_role("link", name="My works").first.click()
    expect(page.locator(".work .badge")).to_have_text("Rejected")
