"""The review queue: pending flags first, with a thumbnail, the rule and its score; one click to
approve (the job runs or its output is released) or reject (output removed, points released, the
user told why), each decision written to the audit log in the same transaction."""

import pytest
from django.urls import reverse

from billing import ledger
from billing.models import Hold
from generation.models import Job
from generation.moderation import review
from generation.moderation.models import BlockedTerm, Flag
from tests.staff_helpers import flagged_output_job, staff_member, submit_job
from webapp.staff.models import AuditEntry

pytestmark = pytest.mark.django_db
QUEUE = reverse("admin:moderation_flag_changelist")


@pytest.fixture
def moderator(db):
    return staff_member("mod@example.com", "Moderators")


@pytest.fixture
def held_prompt_job(alice):
    """A prompt the blocklist holds for review (points held, job waiting)."""
    BlockedTerm.objects.create(term="zebraquartz", category="violence", action="review")
    job = submit_job(alice, prompt="a zebraquartz statue at dawn")
    assert job.status == Job.Status.REVIEW
    return job


def test_the_queue_opens_on_pending_items_with_thumbnail_rule_and_score(
    client, moderator, alice, held_prompt_job
):
    output_job = flagged_output_job(alice)
    decided = Flag.objects.get(job=held_prompt_job)
    review.approve(decided, moderator)
    client.force_login(moderator)

    page = client.get(QUEUE).content.decode()

    flag = Flag.objects.get(job=output_job)
    assert f'data-testid="reject-{flag.pk}"' in page
    assert f'data-testid="reject-{decided.pk}"' not in page  # already decided
    poster = output_job.poster
    assert reverse("staff:job_file", args=[output_job.pk, poster.pk]) in page
    assert "FEMALE_BREAST_EXPOSED" in page and "0.47" in page
    thumb = client.get(reverse("staff:job_file", args=[output_job.pk, poster.pk]))
    assert b"".join(thumb.streaming_content).startswith(b"\x89PNG")
    everything = client.get(QUEUE, {"status": "all"}).content.decode()
    assert "a zebraquartz statue at dawn" in everything and "a zebraquartz" not in page
    assert f'data-testid="reject-{decided.pk}"' not in everything


def test_rejecting_an_output_removes_it_releases_the_points_and_tells_the_user(
    client, moderator, alice
):
    job = flagged_output_job(alice)
    flag = Flag.objects.get(job=job)
    before = ledger.balance(alice)
    client.force_login(moderator)

    response = client.post(
        reverse("staff:reject", args=[flag.pk]), {"reason": "Nudity is not allowed.", "next": QUEUE}
    )

    assert response.status_code == 302
    job.refresh_from_db()
    flag.refresh_from_db()
    assert job.status == Job.Status.REJECTED
    assert "Nudity is not allowed." in job.error_message
    assert not job.assets.exists()
    assert ledger.balance(alice) == before + job.points_held
    assert Hold.objects.get(ref=job.ledger_ref).status == Hold.Status.RELEASED
    assert (flag.status, flag.decided_by) == (Flag.Status.REJECTED, moderator)
    row = AuditEntry.objects.get()
    assert (row.action, row.staff, row.subject_user, row.reason) == (
        "reject",
        moderator,
        alice,
        "Nudity is not allowed.",
    )
    assert row.details["rule"] == "FEMALE_BREAST_EXPOSED" and row.target_id == str(flag.pk)


def test_a_rejection_needs_a_reason(client, moderator, held_prompt_job):
    client.force_login(moderator)
    flag = Flag.objects.get(job=held_prompt_job)

    client.post(reverse("staff:reject", args=[flag.pk]), {"reason": " "})

    flag.refresh_from_db()
    assert flag.status == Flag.Status.PENDING
    assert not AuditEntry.objects.exists()


def test_approving_a_held_prompt_queues_the_job(
    client, moderator, held_prompt_job, django_capture_on_commit_callbacks
):
    client.force_login(moderator)
    flag = Flag.objects.get(job=held_prompt_job)

    with django_capture_on_commit_callbacks() as callbacks:
        client.post(reverse("staff:approve", args=[flag.pk]), {"note": "a statue, fine"})

    held_prompt_job.refresh_from_db()
    assert held_prompt_job.status == Job.Status.QUEUED
    assert Hold.objects.get(ref=held_prompt_job.ledger_ref).status == Hold.Status.HELD
    assert len(callbacks) == 1  # enqueued once committed
    row = AuditEntry.objects.get()
    assert (row.action, row.reason) == ("approve", "a statue, fine")


def test_approving_an_output_releases_it_and_spends_the_points(client, moderator, alice):
    job = flagged_output_job(alice)
    client.force_login(moderator)

    client.post(reverse("staff:approve", args=[Flag.objects.get(job=job).pk]))

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.assets.exists()
    assert Hold.objects.get(ref=job.ledger_ref).status == Hold.Status.CAPTURED


def test_a_second_click_decides_nothing_and_writes_no_row(client, moderator, held_prompt_job):
    client.force_login(moderator)
    flag = Flag.objects.get(job=held_prompt_job)

    client.post(reverse("staff:reject", args=[flag.pk]), {"reason": "gore"})
    client.post(reverse("staff:approve", args=[flag.pk]))

    flag.refresh_from_db()
    assert flag.status == Flag.Status.REJECTED
    assert AuditEntry.objects.count() == 1


def test_appeals_land_in_the_same_queue(client, moderator, alice, held_prompt_job):
    client.force_login(moderator)
    client.post(
        reverse("staff:reject", args=[Flag.objects.get(job=held_prompt_job).pk]),
        {"reason": "gore"},
    )
    held_prompt_job.refresh_from_db()
    appeal = review.appeal(held_prompt_job, alice, "It is a marble statue, not gore.")

    page = client.get(QUEUE).content.decode()

    assert "It is a marble statue, not gore." in page
    assert f'data-testid="approve-{appeal.pk}"' in page


def test_work_of_a_suspended_user_is_not_approved(client, moderator, alice):
    from webapp.staff import services

    job = flagged_output_job(alice)
    services.suspend_user(alice, staff_member("support@example.com", "Support"), "fraud")
    flag = Flag.objects.get(job=job)
    client.force_login(moderator)

    client.post(reverse("staff:approve", args=[flag.pk]))

    flag.refresh_from_db()
    job.refresh_from_db()
    assert flag.status == Flag.Status.PENDING
    assert job.status == Job.Status.REVIEW  # held outputs wait for staff, even after suspension
    client.post(reverse("staff:reject", args=[flag.pk]), {"reason": "account suspended"})
    job.refresh_from_db()
    assert job.status == Job.Status.REJECTED
    assert Hold.objects.get(ref=job.ledger_ref).status == Hold.Status.RELEASED


def test_the_queue_page_costs_the_same_queries_for_many_items(client, moderator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import make_user

    client.force_login(moderator)
    flagged_output_job(make_user("one@example.com"))
    client.get(QUEUE)
    with CaptureQueriesContext(connection) as one:
        client.get(QUEUE)
    for i in range(5):
        flagged_output_job(make_user(f"many{i}@example.com"))
    with CaptureQueriesContext(connection) as six:
        page = client.get(QUEUE).content.decode()

    assert page.count('data-testid="flag-thumb"') == 6
    assert 0 < len(six.captured_queries) == len(one.captured_queries)


# --- every input of a held job ------------------------------------------------------------------


@pytest.fixture
def held_with_inputs(alice):
    """Jobs moderation held before they ran (their prompt), one of each tool with inputs beyond
    a first photo: a hug (two photos), a video from three reference photos (a member's), and a
    restyle of an uploaded clip. Submitted through the create page, as alice would."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import subscribe
    from tests.effect_helpers import hug_effect
    from tests.gen_helpers import clip_bytes, png_bytes, restyle_data

    def photo(color):
        return SimpleUploadedFile("p.png", png_bytes((96, 64), color), content_type="image/png")

    BlockedTerm.objects.create(term="zebraquartz", category="violence", action="review")
    subscribe(alice, "standard")  # reference videos are for members
    hug = submit_job(
        alice,
        kind="effect",
        effect=hug_effect().slug,
        prompt="zebraquartz",
        effect_image=photo((220, 30, 30)),
        second_image=photo((30, 30, 220)),
    )
    references = submit_job(
        alice,
        kind="references",
        prompt="zebraquartz statues from these photos",
        references=[photo((10 * n, 200, 30)) for n in range(1, 4)],
    )
    clip = SimpleUploadedFile("c.mp4", clip_bytes(2, size=(96, 64)), content_type="video/mp4")
    restyle = submit_job(
        alice, **restyle_data(prompt="the street in zebraquartz colours"), video=clip
    )
    jobs = {"effect": hug, "references": references, "restyle": restyle}
    assert {job.status for job in jobs.values()} == {Job.Status.REVIEW}
    return jobs


def input_urls(job) -> dict[str, str]:
    return {which: reverse("staff:job_file", args=[job.pk, which]) for which, _f in job.inputs()}


def test_the_queue_shows_every_input_of_a_held_job(client, moderator, held_with_inputs):
    client.force_login(moderator)

    page = client.get(QUEUE).content.decode()

    hug, references, restyle = held_with_inputs.values()
    assert set(input_urls(hug)) == {"start", "second"}
    assert set(input_urls(references)) == {"ref1", "ref2", "ref3"}
    assert set(input_urls(restyle)) == {"clip"}
    for job in held_with_inputs.values():
        for which, url in input_urls(job).items():
            tag = "video" if which == "clip" else "img"
            assert f'<{tag} src="{url}"' in page, (job.kind, which)


def test_staff_fetch_every_input_and_others_get_nothing(client, moderator, bob, held_with_inputs):
    fetched = {}
    client.force_login(moderator)
    for job in held_with_inputs.values():
        for which, url in input_urls(job).items():
            response = client.get(url)
            assert response.status_code == 200, url
            assert "no-store" in response["Cache-Control"]
            fetched[(job.pk, which)] = b"".join(response.streaming_content)
    hug, references, restyle = held_with_inputs.values()
    with hug.second_image.open("rb") as stored:
        assert fetched[(hug.pk, "second")] == stored.read()
    assert all(fetched[(references.pk, f"ref{n}")].startswith(b"\x89PNG") for n in (1, 2, 3))
    assert fetched[(restyle.pk, "clip")][4:8] == b"ftyp"  # an MP4
    assert client.get(reverse("staff:job_file", args=[references.pk, "ref4"])).status_code == 404

    client.force_login(bob)  # neither staff nor the owner
    for job in held_with_inputs.values():
        for which, url in input_urls(job).items():
            staff_path = client.get(url)
            assert staff_path.status_code == 302 and "/admin/login/" in staff_path.url
            owner_path = (
                reverse("generation:input_clip", args=[job.pk])
                if which == "clip"
                else reverse("generation:input_photo", args=[job.pk, which])
            )
            assert client.get(owner_path).status_code == 404, owner_path
