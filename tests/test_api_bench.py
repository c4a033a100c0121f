"""`manage.py bench_api` times API creates and gets, and leaves nothing behind."""

import io

import pytest
from django.core.management import call_command

from generation.models import Job
from webapp.api.models import AccessToken, PhotoUpload


@pytest.mark.django_db
def test_bench_api_prints_create_and_get_and_rolls_back(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    out = io.StringIO()
    call_command("bench_api", "--repeat", "3", stdout=out)
    text = out.getvalue()
    for name in ("create", "create (JSON)", "get", "upload"):
        assert f"{name:13} x3: CPU p50" in text
    assert not Job.objects.exists() and not AccessToken.objects.exists()
    assert not PhotoUpload.objects.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]  # no file left either
