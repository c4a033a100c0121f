"""Passwords are stored with Argon2id at OWASP's setting; older hashes still log in and are
upgraded on the way (webapp/accounts/passwords.py)."""

import pytest
from django.contrib.auth.hashers import make_password
from django.urls import reverse

from tests.conftest import PASSWORD, make_user
from webapp.accounts.models import User


def _argon2_parameters(encoded: str) -> str:
    # argon2$argon2id$v=19$m=19456,t=2,p=1$salt$hash
    return encoded.split("$")[3]


@pytest.mark.django_db
def test_a_new_password_is_stored_with_argon2id_at_owasps_setting():
    user = User.objects.create_user("hana@example.com", PASSWORD)
    assert user.password.startswith("argon2$argon2id$")
    assert _argon2_parameters(user.password) == "m=19456,t=2,p=1"
    assert user.check_password(PASSWORD)
    assert not user.check_password(PASSWORD + "x")


@pytest.mark.django_db
@pytest.mark.parametrize("hasher", ["pbkdf2_sha256", "argon2"])
def test_an_older_hash_logs_in_and_is_upgraded(client, hasher):
    # "argon2" alone is Django's own Argon2 setting (100 MiB, 8 lanes): upgraded too.
    user = make_user("ivan@example.com")
    User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD, hasher=hasher))
    stored = User.objects.get(pk=user.pk).password
    assert not stored.startswith("argon2$argon2id$v=19$m=19456")

    response = client.post(
        reverse("account_login"), {"login": "ivan@example.com", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    upgraded = User.objects.get(pk=user.pk).password
    assert _argon2_parameters(upgraded) == "m=19456,t=2,p=1"


@pytest.mark.django_db
def test_a_wrong_password_against_an_older_hash_changes_nothing(client):
    user = make_user("jun@example.com")
    old = make_password(PASSWORD, hasher="pbkdf2_sha256")
    User.objects.filter(pk=user.pk).update(password=old)

    client.post(reverse("account_login"), {"login": "jun@example.com", "password": "not-it"})

    assert "_auth_user_id" not in client.session
    assert User.objects.get(pk=user.pk).password == old
