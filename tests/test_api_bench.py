"""`manage.py bench_api` times API creates and gets, and leaves nothing behind."""

import io

import pytest
from django.core.management import call_command

from generation.models import Job
from webapp.api.models import AccessToken


@pytest.mark.django_db
def test_bench_api_prints_create_and_get_and_rolls_back():
    out = io.StringIO()
    call_command("bench_api", "--repeat", "3", stdout=out)
    text = out.getvalue()
    assert "create x3: CPU p50" in text and "get    x3: CPU p50" in text
    assert not Job.objects.exists() and not AccessToken.objects.exists()
