"""Accounts: e-mail sign-in, unique addresses whatever their case, rate-limited logins."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from tests.conftest import PASSWORD, make_user
from webapp.accounts.models import User


@pytest.mark.django_db
def test_addresses_are_stored_in_lower_case():
    user = User.objects.create_user("  Carol@Example.COM ", PASSWORD)
    assert user.email == "carol@example.com"


@pytest.mark.django_db
def test_database_refuses_the_same_address_in_another_case():
    User.objects.create(email="dora@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        # Bypasses every form: the constraint itself must hold.
        User.objects.create(email="Dora@Example.com")


@pytest.mark.django_db
def test_sign_up_with_a_taken_address_in_other_case_is_refused(client):
    make_user("erin@example.com")
    response = client.post(
        reverse("account_signup"),
        {"email": "ERIN@example.COM", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 200
    assert "already registered with this email address" in response.content.decode()
    assert User.objects.filter(email__iexact="erin@example.com").count() == 1


@pytest.mark.django_db
def test_sign_up_sends_a_verification_mail(client, mailoutbox):
    response = client.post(
        reverse("account_signup"),
        {"email": "fred@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["fred@example.com"]
    assert "/accounts/confirm-email/" in mailoutbox[0].body


@pytest.mark.django_db
def test_unverified_user_cannot_log_in(client):
    make_user("gina@example.com", verified=False)
    response = client.post(
        reverse("account_login"), {"login": "gina@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_login_is_case_insensitive(client, alice):
    response = client.post(
        reverse("account_login"), {"login": "ALICE@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)


@pytest.mark.django_db
def test_repeated_failed_logins_are_rate_limited(client, alice):
    url = reverse("account_login")
    for _ in range(5):
        response = client.post(url, {"login": alice.email, "password": "wrong-password"})
        assert "not correct" in response.content.decode()
    # Even the right password is refused once the limit is reached.
    response = client.post(url, {"login": alice.email, "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_password_reset_mails_a_working_link(client, alice, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": alice.email})
    assert len(mailoutbox) == 1
    link = next(w for w in mailoutbox[0].body.split() if "/accounts/password/reset/key/" in w)
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    response = client.post(
        form_url, {"password1": "brand-New-pass-77", "password2": "brand-New-pass-77"}
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("brand-New-pass-77")


@pytest.mark.django_db
def test_change_password_needs_the_old_one(client, alice):
    client.force_login(alice)
    url = reverse("account_change_password")
    response = client.post(
        url, {"oldpassword": "nope", "password1": "Another-pass-88", "password2": "Another-pass-88"}
    )
    assert response.status_code == 200
    response = client.post(
        url,
        {"oldpassword": PASSWORD, "password1": "Another-pass-88", "password2": "Another-pass-88"},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("Another-pass-88")


@pytest.mark.django_db
def test_create_and_works_pages_ask_anonymous_visitors_to_log_in(client):
    for name in ("generation:create", "generation:works"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
