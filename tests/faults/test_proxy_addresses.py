"""Case 5: behind a proxy, one client's limits are theirs alone.

Every request here reaches Django from the proxy's address (REMOTE_ADDR 10.0.0.2), as it does
in the production recipe (gunicorn behind a TLS proxy). The proxy appends the address it saw
to X-Forwarded-For, after whatever the client itself sent.
"""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from tests.conftest import PASSWORD, make_user
from webapp.ratelimit import client_ip

PROXY = "10.0.0.2"
LOGIN = reverse("account_login")
SIGNUP = reverse("account_signup")


def via_proxy(client_address: str, sent_by_client: str = "") -> dict:
    forwarded = f"{sent_by_client}, {client_address}" if sent_by_client else client_address
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}


def log_in(client, email, password, **extra):
    return client.post(LOGIN, {"login": email, "password": password}, **extra)


def locked(response) -> bool:
    return "Too many failed login attempts" in response.content.decode()


@pytest.fixture
def one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.CLIENT_IP_HEADER = ""


@pytest.mark.django_db
def test_wrong_passwords_from_one_address_do_not_lock_out_other_users(client, one_proxy):
    make_user("victim@example.com")
    make_user("someone@example.com")
    attacker = via_proxy("203.0.113.66")

    answers = [log_in(client, f"guess{i}@example.com", "wrong", **attacker) for i in range(12)]
    assert locked(answers[-1])  # the attacker's own address is limited...

    # ...and nobody else's is.
    response = log_in(client, "victim@example.com", PASSWORD, **via_proxy("198.51.100.7"))
    assert response.status_code == 302
    assert client.get(reverse("generation:create")).status_code == 200


@pytest.mark.django_db
def test_without_the_proxy_setting_every_client_would_share_the_proxy_address(client, settings):
    """The failure this setting exists for, so the test above cannot pass by accident."""
    settings.TRUSTED_PROXY_COUNT = 0
    make_user("victim@example.com")
    for i in range(12):
        log_in(client, f"guess{i}@example.com", "wrong", **via_proxy("203.0.113.66"))

    response = log_in(client, "victim@example.com", PASSWORD, **via_proxy("198.51.100.7"))
    assert locked(response)


@pytest.mark.django_db
def test_the_sign_up_limit_counts_each_client_not_the_whole_site(client, settings, one_proxy):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "3/m/ip"}

    def sign_up(email, **extra):
        data = {"email": email, "password1": PASSWORD, "password2": PASSWORD}
        return client.post(SIGNUP, data, **extra).status_code

    codes = [sign_up(f"user{i}@example.com", **via_proxy("203.0.113.66")) for i in range(4)]
    assert codes == [302, 302, 302, 429]
    client.logout()
    assert sign_up("newcomer@example.com", **via_proxy("198.51.100.7")) == 302


@pytest.mark.django_db
def test_a_client_cannot_pick_its_own_address_by_sending_x_forwarded_for(client, one_proxy):
    make_user("victim@example.com")
    # The attacker rotates the address it writes itself; the proxy still appends the real one.
    for i in range(12):
        spoof = f"192.0.2.{i}"
        log_in(client, f"guess{i}@example.com", "wrong", **via_proxy("203.0.113.66", spoof))

    response = log_in(
        client, "guess@example.com", "wrong", **via_proxy("203.0.113.66", "192.0.2.200")
    )
    assert locked(response)


@pytest.mark.django_db
def test_the_check_page_limits_each_client_behind_the_proxy(client, settings, one_proxy):
    settings.CHECK_RATE_PER_HOUR = 2
    from generation.provenance import check as checking

    assert checking.allow_check("203.0.113.66")
    assert checking.allow_check("203.0.113.66")
    # The third check from that client is refused; a different client is not.
    refused = client.post(reverse("generation:check"), {}, **via_proxy("203.0.113.66"))
    allowed = client.post(reverse("generation:check"), {}, **via_proxy("198.51.100.7"))
    assert refused.status_code == 429
    assert allowed.status_code != 429


@pytest.mark.parametrize(
    ("settings_", "meta", "expected"),
    [
        ({}, {"HTTP_X_FORWARDED_FOR": "1.2.3.4"}, PROXY),  # no proxy trusted: header ignored
        ({"TRUSTED_PROXY_COUNT": 1}, {"HTTP_X_FORWARDED_FOR": "1.2.3.4, 5.6.7.8"}, "5.6.7.8"),
        ({"TRUSTED_PROXY_COUNT": 2}, {"HTTP_X_FORWARDED_FOR": "1.2.3.4, 5.6.7.8"}, "1.2.3.4"),
        ({"TRUSTED_PROXY_COUNT": 2}, {"HTTP_X_FORWARDED_FOR": "5.6.7.8"}, "5.6.7.8"),  # short
        ({"TRUSTED_PROXY_COUNT": 1}, {"HTTP_X_FORWARDED_FOR": "not-an-ip"}, PROXY),
        ({"TRUSTED_PROXY_COUNT": 1}, {"HTTP_X_FORWARDED_FOR": "[2001:db8::1]:443"}, "2001:db8::1"),
        ({"TRUSTED_PROXY_COUNT": 1}, {"HTTP_X_FORWARDED_FOR": "5.6.7.8:1234"}, "5.6.7.8"),
        ({"CLIENT_IP_HEADER": "CF-Connecting-IP"}, {"HTTP_CF_CONNECTING_IP": "5.6.7.8"}, "5.6.7.8"),
        ({"CLIENT_IP_HEADER": "X-Real-IP"}, {"HTTP_X_FORWARDED_FOR": "5.6.7.8"}, PROXY),
        ({"CLIENT_IP_HEADER": "X-Real-IP"}, {"HTTP_X_REAL_IP": "garbage"}, PROXY),
    ],
)
def test_the_client_address_is_read_as_configured(settings, settings_, meta, expected):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.CLIENT_IP_HEADER = ""
    for name, value in settings_.items():
        setattr(settings, name, value)
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, **meta)
    assert client_ip(request) == expected


@pytest.mark.django_db
def test_a_short_forwarded_header_is_not_a_server_error(client, settings):
    settings.TRUSTED_PROXY_COUNT = 3
    response = log_in(client, "a@example.com", "wrong", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="")
    assert response.status_code == 200
    response = log_in(client, "a@example.com", "wrong", **via_proxy("203.0.113.66"))
    assert response.status_code == 200
