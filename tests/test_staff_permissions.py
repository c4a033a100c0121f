"""Who may use the staff panel: non-staff are sent to the staff login from every staff URL; staff
see only what their group allows; only moderators decide flagged items."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from generation.models import Job
from generation.moderation.models import Flag
from tests.conftest import make_user
from tests.staff_helpers import staff_member, submit_job
from webapp.staff.groups import ADMINS, MODERATORS, ROLES, SUPPORT

pytestmark = pytest.mark.django_db


@pytest.fixture
def flag(alice):
    job = submit_job(alice)
    return Flag.objects.create(
        job=job,
        user=alice,
        kind=Flag.Kind.PROMPT,
        field="prompt",
        layer="semantic",
        category="violence",
        rule="graphic gore",
        score=0.61,
    )


def staff_urls(flag):
    job, user = flag.job, flag.user
    return {
        "get": [
            reverse("staff:dashboard"),
            reverse("staff:user", args=[user.pk]),
            reverse("staff:job_file", args=[job.pk, "input"]),
            reverse("admin:moderation_flag_changelist"),
            reverse("admin:staff_auditentry_changelist"),
        ],
        "post": [
            reverse("staff:suspend", args=[user.pk]),
            reverse("staff:unsuspend", args=[user.pk]),
            reverse("staff:points", args=[user.pk]),
            reverse("staff:approve", args=[flag.pk]),
            reverse("staff:reject", args=[flag.pk]),
        ],
    }


def assert_nothing_changed(flag):
    flag.refresh_from_db()
    flag.user.refresh_from_db()
    assert flag.status == Flag.Status.PENDING
    assert flag.user.is_active
    assert Job.objects.get(pk=flag.job_id).status == flag.job.status


@pytest.mark.parametrize("who", ["anonymous", "a user", "a suspended staff member"])
def test_people_who_are_not_staff_are_sent_to_the_staff_login(client, flag, bob, who):
    if who == "a user":
        client.force_login(bob)
    elif who == "a suspended staff member":
        client.force_login(make_user("gone@example.com", is_staff=True, is_active=False))
    urls = staff_urls(flag)
    for url in urls["get"]:
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response.url, url
    for url in urls["post"]:
        response = client.post(url, {"reason": "x", "direction": "grant", "amount": "5"})
        assert response.status_code == 302 and "/admin/login/" in response.url, url
    assert_nothing_changed(flag)


def test_staff_in_no_group_get_403_everywhere(client, flag):
    client.force_login(make_user("new-staff@example.com", is_staff=True))
    urls = staff_urls(flag)
    for url in urls["get"]:
        assert client.get(url).status_code == 403, url
    for url in urls["post"]:
        assert client.post(url, {"reason": "x"}).status_code == 403, url
    assert_nothing_changed(flag)


def test_support_without_the_moderation_permission_cannot_reject_or_approve(client, flag):
    client.force_login(staff_member("support@example.com", SUPPORT))

    queue = client.get(reverse("admin:moderation_flag_changelist"))
    assert queue.status_code == 200  # they may look
    assert f'data-testid="reject-{flag.pk}"' not in queue.content.decode()
    assert client.post(reverse("staff:reject", args=[flag.pk]), {"reason": "x"}).status_code == 403
    assert client.post(reverse("staff:approve", args=[flag.pk])).status_code == 403
    assert_nothing_changed(flag)


def test_moderators_see_the_decision_buttons(client, flag):
    client.force_login(staff_member("mod@example.com", MODERATORS))

    queue = client.get(reverse("admin:moderation_flag_changelist"))

    page = queue.content.decode()
    assert f'data-testid="reject-{flag.pk}"' in page
    assert f'id="reject-{flag.pk}"' in page  # the form the button posts


def test_the_groups_exist_with_their_permissions():
    groups = {g.name: g for g in Group.objects.prefetch_related("permissions__content_type")}
    for name in (MODERATORS, SUPPORT, ADMINS):
        have = {f"{p.content_type.app_label}.{p.codename}" for p in groups[name].permissions.all()}
        assert have == set(ROLES[name]), name
    assert "staff.moderate_content" not in ROLES[SUPPORT]
    assert "staff.manage_users" not in ROLES[MODERATORS]


def test_staff_files_are_served_to_reviewers_whoever_owns_them(client, db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.gen_helpers import png_bytes

    owner = make_user("owner@example.com")
    job = submit_job(
        owner, kind="image_to_video", image=SimpleUploadedFile("p.png", png_bytes((256, 256)))
    )
    client.force_login(staff_member("mod@example.com", MODERATORS))

    response = client.get(reverse("staff:job_file", args=[job.pk, "input"]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert client.get(reverse("staff:job_file", args=[job.pk, "end"])).status_code == 404
