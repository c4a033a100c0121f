"""The live price on the create form asks with the price's own fields only: the prompt and the
CSRF token never travel in a URL (access logs keep URLs)."""

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.conftest import log_in, make_user
from tests.gen_helpers import give_points

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PROMPT = "my secret birthday surprise for Mei"


def test_the_live_price_sends_no_prompt_and_no_csrf_token(page):
    give_points(make_user("lena@example.com"), 100)
    log_in(page, "lena@example.com")
    asked = []
    page.on("request", lambda r: asked.append(r) if "/create/price/" in r.url else None)
    page.goto("/create/")
    page.locator("label[for=kind-text_to_video]").click()
    page.fill("#id_prompt", PROMPT)
    page.fill("#id_negative_prompt", "blurry")
    page.locator("label.chip", has_text="10 s").click()
    expect(page.locator("#price")).to_have_text("20")

    assert asked, "the price was not asked for"
    for request in asked:
        assert request.method == "GET"
        sent = parse_qs(urlsplit(request.url).query)
        price_fields = {"kind", "duration_s", "mode", "num_images"}
        price_fields |= {f"shot_duration_{n}" for n in range(1, 7)}  # a storyboard's lengths
        assert set(sent) <= price_fields, request.url
        assert "birthday" not in request.url and "csrf" not in request.url.lower()
    assert parse_qs(urlsplit(asked[-1].url).query)["duration_s"] == ["10"]
