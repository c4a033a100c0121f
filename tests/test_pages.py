"""The site's own pages: a landing page that explains the product, offline assets, two languages."""

import re

import pytest
from django.conf import settings
from django.urls import reverse


@pytest.mark.django_db
def test_landing_page_says_what_the_site_does(client):
    html = client.get(reverse("home")).content.decode()
    assert "Turn a sentence or an old photo into a moving picture." in html
    for nav in ("Create", "My works", "Pricing", "Log in", "Sign up"):
        assert nav in html


@pytest.mark.django_db
def test_signed_in_visitor_sees_the_account_menu(client, alice):
    client.force_login(alice)
    html = client.get(reverse("home")).content.decode()
    assert 'data-testid="account-menu"' in html
    assert alice.email in html
    assert "Log out" in html


@pytest.mark.django_db
def test_pages_load_no_asset_from_another_host(client):
    html = client.get(reverse("home")).content.decode()
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    assert external == []
    assert "/static/vendor/htmx-2.0.11.min.js" in html


def test_htmx_is_vendored_in_static():
    htmx = settings.BASE_DIR / "static" / "vendor" / "htmx-2.0.11.min.js"
    assert htmx.stat().st_size > 30_000
    assert b"htmx" in htmx.read_bytes()[:2000]


@pytest.mark.django_db
def test_landing_page_speaks_simplified_chinese(client):
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert "一句话或一张老照片，变成会动的画面。" in html
    assert "我的作品" in html


@pytest.mark.django_db
def test_health_reports_the_database(client):
    response = client.get(reverse("health"))
    assert response.json()["status"] == "ok"
