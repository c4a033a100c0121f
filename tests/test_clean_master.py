"""The clean master: kept for every job, served to members, to everyone after an upgrade, and
to nobody but the owner."""

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from billing.models import Membership
from generation import services
from tests.conftest import tier
from tests.provenance_helpers import finished_job, moving_clip

pytestmark = pytest.mark.django_db


def fetch(client, asset, **params):
    return client.get(reverse("generation:asset", args=[asset.pk]), params)


def body(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def stored(field) -> bytes:
    with field.open("rb") as f:
        return f.read()


def join(user, code="standard", days=30):
    return Membership.objects.create(
        user=user,
        tier=tier(code),
        starts_at=timezone.now() - timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=days),
    )


def test_every_job_keeps_a_clean_master_and_a_free_users_job_a_marked_variant(alice):
    free = finished_job(alice, watermarked=True, frames=moving_clip())
    member = finished_job(alice, watermarked=False, frames=moving_clip())
    for asset in free.assets.all():
        assert asset.file and asset.marked_file, asset.kind
        assert stored(asset.file) != stored(asset.marked_file)
    for asset in member.assets.all():
        assert asset.file and not asset.marked_file, asset.kind


def test_a_free_user_gets_the_marked_file_and_after_upgrading_the_clean_master(client, alice):
    job = finished_job(alice, watermarked=True, frames=moving_clip())
    client.force_login(alice)
    for asset in job.assets.all():
        assert body(fetch(client, asset)) == stored(asset.marked_file), asset.kind
    join(alice)
    # Nothing is re-generated: the very same stored master is served.
    for asset in job.assets.all():
        response = fetch(client, asset, download="1")
        assert body(response) == stored(asset.file), asset.kind
        assert response["Cache-Control"] == "private, no-cache"
    assert 'filename="job-' in response["Content-Disposition"]
    assert "marked" not in response["Content-Disposition"]


def test_pictures_follow_the_same_rule(client, alice):
    images = [Image.fromarray(frame) for frame in moving_clip(count=2)]
    job = finished_job(alice, watermarked=True, images=images)
    client.force_login(alice)
    pictures = list(job.assets.filter(kind="picture"))
    assert len(pictures) == 2
    assert [body(fetch(client, p)) for p in pictures] == [stored(p.marked_file) for p in pictures]
    join(alice, "pro")
    assert [body(fetch(client, p)) for p in pictures] == [stored(p.file) for p in pictures]


def test_a_members_work_stays_clean_after_the_membership_ends(client, alice):
    membership = join(alice)
    job = finished_job(alice, watermarked=False, frames=moving_clip())
    membership.ends_at = timezone.now() - timedelta(minutes=1)
    membership.save()
    client.force_login(alice)
    video = job.assets.get(kind="video")
    assert body(fetch(client, video)) == stored(video.file)


def test_a_lapsed_member_gets_the_marked_file_of_work_made_while_free(client, alice):
    job = finished_job(alice, watermarked=True, frames=moving_clip())
    membership = join(alice)
    membership.ends_at = timezone.now() - timedelta(minutes=1)
    membership.save()
    client.force_login(alice)
    video = job.assets.get(kind="video")
    assert body(fetch(client, video)) == stored(video.marked_file)


def test_another_user_gets_404_for_both_files_member_or_not(client, alice, bob):
    job = finished_job(alice, watermarked=True, frames=moving_clip())
    client.force_login(bob)
    for asset in job.assets.all():
        assert fetch(client, asset).status_code == 404
    join(bob, "pro")  # a member's plan opens nobody else's files
    for asset in job.assets.all():
        assert fetch(client, asset).status_code == 404
    # Nor are the stored files reachable by their storage paths.
    for asset in job.assets.all():
        for field in (asset.file, asset.marked_file):
            assert client.get(default_storage.url(field.name)).status_code == 404
    client.logout()
    video = job.assets.get(kind="video")
    assert fetch(client, video).status_code == 302  # to the login page


def test_deleting_a_work_removes_both_files(client, alice, django_capture_on_commit_callbacks):
    job = finished_job(alice, watermarked=True, frames=moving_clip(count=4))
    names = [n for a in job.assets.all() for n in (a.file.name, a.marked_file.name)]
    assert all(default_storage.exists(n) for n in names)
    with django_capture_on_commit_callbacks(execute=True):  # files go once the delete commits
        services.delete_work(job)
    assert not any(default_storage.exists(n) for n in names)


def test_the_job_page_says_which_files_the_owner_gets(client, alice):
    job = finished_job(alice, watermarked=True, frames=moving_clip(count=4))
    client.force_login(alice)
    page = reverse("generation:job", args=[job.pk])
    assert "carry a visible" in client.get(page).content.decode()
    join(alice)
    assert "Your files have no visible watermark." in client.get(page).content.decode()
