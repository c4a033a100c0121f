"""`manage.py createsuperuser` gives a first admin who can log in at once: no e-mail to verify."""

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def first_admin(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", email="Admin@Example.com", interactive=False, verbosity=0)
    from webapp.accounts.models import User

    return User.objects.get(email="admin@example.com")


def test_the_first_admin_s_address_counts_as_verified(first_admin):
    address = EmailAddress.objects.get(user=first_admin)
    assert (address.email, address.verified, address.primary) == (first_admin.email, True, True)
    assert first_admin.is_staff and first_admin.is_superuser


def test_the_first_admin_logs_in_and_reaches_the_staff_panel(client, first_admin, mailoutbox):
    response = client.post(
        reverse("account_login"), {"login": "admin@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert "confirm-email" not in response.url and mailoutbox == []
    assert client.get(reverse("staff:dashboard")).status_code == 200


def test_a_user_who_signs_up_still_verifies_by_e_mail(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302 and "confirm-email" in response.url
