"""A person signs up, verifies, logs in — in a real Chromium against the live server."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, log_in, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def verification_link(mail) -> str:
    return re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.body).group(0)


def test_sign_up_verify_log_in_and_see_account_menu(page, live_server, mailoutbox):
    page.goto("/")
    page.get_by_role("link", name="Sign up").first.click()
    page.fill("input[name=email]", "hana@example.com")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()

    assert len(mailoutbox) == 1
    link = verification_link(mailoutbox[0])
    assert link.startswith(live_server.url)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()

    log_in(page, "hana@example.com")
    menu = page.get_by_test_id("account-menu")
    expect(menu).to_be_visible()
    expect(menu).to_contain_text("hana@example.com")
    menu.click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_wrong_password_shows_an_error(page):
    make_user("ivan@example.com")
    log_in(page, "ivan@example.com", password="not-my-password")
    expect(
        page.get_by_text("The email address and/or password you specified are not correct.")
    ).to_be_visible()
    expect(page.get_by_test_id("account-menu")).to_have_count(0)


def test_second_sign_up_with_same_address_in_other_case_is_refused(page):
    make_user("jade@example.com")
    page.goto("/accounts/signup/")
    page.fill("input[name=email]", "JADE@Example.com")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(
        page.get_by_text("A user is already registered with this email address.")
    ).to_be_visible()


def test_layout_fits_a_phone_screen(page):
    make_user("kai@example.com")
    page.set_viewport_size({"width": 375, "height": 740})
    log_in(page, "kai@example.com")
    for path in ("/", "/create/", "/works/", "/pricing/"):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
        expect(
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Create")
        ).to_be_visible()
        expect(page.get_by_test_id("account-menu")).to_be_visible()
