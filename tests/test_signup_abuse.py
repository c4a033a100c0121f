"""Sign-up abuse controls: one account per mailbox, no throwaway domains, sign-ups rate limited
per IP. (Daily points need a verified address: tests/test_daily_points.py,
test_an_unverified_account_gets_none.)"""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from tests.conftest import PASSWORD, make_user
from webapp.accounts.emails import canonical_email, is_disposable
from webapp.accounts.models import User

SIGNUP = reverse("account_signup")


def sign_up(client, email, **extra):
    return client.post(
        SIGNUP, {"email": email, "password1": PASSWORD, "password2": PASSWORD}, **extra
    )


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("J.Doe+promo@GoogleMail.com", "jdoe@gmail.com"),
        ("j.d.o.e@gmail.com", "jdoe@gmail.com"),
        ("jane+news@outlook.com", "jane@outlook.com"),
        ("jane.doe@outlook.com", "jane.doe@outlook.com"),  # Outlook keeps dots
        ("Jane+x@Example.org", "jane+x@example.org"),  # unknown provider: the tag may be real
        (" bob@example.com ", "bob@example.com"),
    ],
)
def test_addresses_reduce_to_the_mailbox_they_reach(typed, canonical):
    assert canonical_email(typed) == canonical


@pytest.mark.django_db
def test_a_second_account_for_the_same_gmail_box_is_refused(client):
    make_user("janedoe@gmail.com")

    for variant in ("jane.doe@gmail.com", "JaneDoe+free@googlemail.com", "j.a.n.e.d.o.e@gmail.com"):
        response = sign_up(client, variant)
        assert response.status_code == 200, variant
        assert "already registered" in response.content.decode()
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_the_typed_address_is_kept_for_sending_mail(client, mailoutbox):
    response = sign_up(client, "Jane.Doe+studio@gmail.com")

    assert response.status_code == 302
    user = User.objects.get()
    assert user.email == "jane.doe+studio@gmail.com"
    assert user.email_canonical == "janedoe@gmail.com"
    assert mailoutbox[0].to == ["jane.doe+studio@gmail.com"]


@pytest.mark.django_db
def test_the_database_refuses_two_accounts_for_one_mailbox():
    make_user("janedoe@gmail.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="jane.doe@googlemail.com")


@pytest.mark.django_db
def test_the_owner_can_still_reset_their_password(client, mailoutbox):
    make_user("jane.doe@gmail.com")

    response = client.post(reverse("account_reset_password"), {"email": "jane.doe@gmail.com"})

    assert response.status_code == 302
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_disposable_domains_are_refused(client):
    for address in ("x@mailinator.com", "x@eu.mailinator.com", "x@YOPMAIL.com"):
        response = sign_up(client, address)
        assert response.status_code == 200, address
        assert "disposable" in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_the_disposable_list_is_configurable(client, settings, tmp_path):
    settings.DISPOSABLE_EMAIL_DOMAINS = ["burner.example"]
    assert is_disposable("a@burner.example") and is_disposable("a@mailinator.com")

    own_list = tmp_path / "domains.txt"
    own_list.write_text("# ours\nthrowaway.test\n")
    settings.DISPOSABLE_EMAIL_DOMAINS_FILE = str(own_list)
    settings.DISPOSABLE_EMAIL_DOMAINS = []
    assert is_disposable("a@throwaway.test")
    assert not is_disposable("a@mailinator.com")
    assert sign_up(client, "a@mailinator.com").status_code == 302


@pytest.mark.django_db
def test_sign_ups_are_rate_limited_per_ip(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "3/m/ip"}

    codes = [
        sign_up(client, f"user{i}@example.com", REMOTE_ADDR="203.0.113.7").status_code
        for i in range(4)
    ]
    other_ip = sign_up(client, "user9@example.com", REMOTE_ADDR="198.51.100.2")

    assert codes == [302, 302, 302, 429]
    assert other_ip.status_code == 302
    assert User.objects.count() == 4


def test_the_default_settings_limit_sign_ups_per_ip():
    from django.conf import settings

    assert settings.ACCOUNT_RATE_LIMITS["signup"].endswith("/ip")
