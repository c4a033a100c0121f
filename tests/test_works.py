"""My works: a gallery of one's own jobs, filters, delete, and "generate again"."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from generation.models import Asset, Job

pytestmark = pytest.mark.django_db


def job(user, kind="text_to_video", status="succeeded", prompt="a boat", **params):
    return Job.objects.create(
        user=user,
        kind=kind,
        status=status,
        prompt=prompt,
        params={"aspect_ratio": "9:16", "seed": 77, "mode": "standard", "duration_s": 10, **params},
        model_spec="tiny",
        points_held=100,
    )


def test_gallery_shows_only_my_works_and_filters_them(client, alice, bob):
    video = job(alice, prompt="my boat video")
    picture = job(alice, kind="text_to_picture", prompt="my cat picture")
    failed = job(alice, status="failed", prompt="my failed one")
    job(bob, prompt="bob's secret")
    client.force_login(alice)
    html = client.get(reverse("generation:works")).content.decode()
    assert "my boat video" in html and "my cat picture" in html and "my failed one" in html
    assert "bob&#x27;s secret" not in html and "bob's secret" not in html
    html = client.get(reverse("generation:works"), {"kind": "text_to_picture"}).content.decode()
    assert f'data-job="{picture.pk}"' in html and f'data-job="{video.pk}"' not in html
    html = client.get(reverse("generation:works"), {"status": "failed"}).content.decode()
    assert f'data-job="{failed.pk}"' in html and f'data-job="{video.pk}"' not in html


def test_delete_removes_the_work_and_its_files(client, alice, django_capture_on_commit_callbacks):
    done = job(alice)
    asset = Asset(
        job=done, kind="poster", content_type="image/jpeg", width=2, height=2, size_bytes=3
    )
    asset.file.save("poster.jpg", ContentFile(b"abc"), save=True)
    path = asset.file.name
    client.force_login(alice)
    # Files go once the rows' deletion commits (the test's own transaction never does).
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("generation:delete", args=[done.pk]))
    assert response.status_code == 302
    assert not asset.file.storage.exists(path)
    assert client.get(reverse("generation:job", args=[done.pk])).status_code == 404
    assert f'data-job="{done.pk}"' not in client.get(reverse("generation:works")).content.decode()


def test_a_running_job_cannot_be_deleted(client, alice):
    running = job(alice, status="running")
    client.force_login(alice)
    client.post(reverse("generation:delete", args=[running.pk]))
    assert Job.objects.get(pk=running.pk).deleted_at is None


def test_generate_again_refills_the_form_with_the_same_settings_and_a_new_seed(client, alice):
    done = job(alice, prompt="the very same prompt")
    client.force_login(alice)
    html = client.get(reverse("generation:create"), {"from": done.pk}).content.decode()
    assert "the very same prompt" in html
    assert 'value="9:16" checked' in html
    assert 'value="77"' not in html  # a new random seed, else it makes the same video
    assert 'value="10" checked' in html


def test_only_the_owner_can_fetch_a_file(client, alice, bob):
    done = job(alice)
    asset = Asset(
        job=done, kind="poster", content_type="image/jpeg", width=2, height=2, size_bytes=3
    )
    asset.file.save("poster.jpg", ContentFile(b"abc"), save=True)
    client.force_login(bob)
    assert client.get(reverse("generation:asset", args=[asset.pk])).status_code == 404
    client.force_login(alice)
    response = client.get(reverse("generation:asset", args=[asset.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"abc"
