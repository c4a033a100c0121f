"""The review queue's decisions: a held job keeps its points until staff decide; approval runs
it or shows its outputs and captures, rejection removes them and releases; each decision is
taken once; a refusal can be appealed once."""

import re

import numpy as np
import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.urls import reverse

from billing import ledger
from billing.models import Hold
from generation import execution
from generation.engine.types import GenerationResult
from generation.models import Job
from generation.moderation import review
from generation.moderation.models import Flag, PhotoRule
from tests.conftest import make_user
from tests.fixtures.portraits import blurred, portrait
from tests.gen_helpers import t2v_data
from tests.moderation_helpers import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return make_user("moderator@example.com", is_staff=True)


def hold_status(job) -> str:
    return Hold.objects.get(ref=job.ledger_ref).status


def held_job(client, django_capture_on_commit_callbacks, prompt="a nude figure drawing class"):
    with django_capture_on_commit_callbacks():
        submit(client, t2v_data(prompt=prompt))
    job = Job.objects.latest("pk")
    assert job.status == Job.Status.REVIEW
    return job, job.flags.get(status=Flag.Status.PENDING)


def refused_job(client, prompt="斩首视频"):
    submit(client, t2v_data(prompt=prompt))
    job = Job.objects.latest("pk")
    assert job.status == Job.Status.REJECTED
    return job


# --- a prompt held before running -------------------------------------------------------------


def test_approving_a_held_prompt_queues_the_job_with_its_points_still_held(
    client, user, staff, django_capture_on_commit_callbacks
):
    job, flag = held_job(client, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks() as callbacks:
        assert review.approve(flag, staff, "life drawing is art")
    job.refresh_from_db()
    flag.refresh_from_db()
    assert job.status == Job.Status.QUEUED
    assert hold_status(job) == Hold.Status.HELD
    assert len(callbacks) == 1  # enqueued on commit
    assert (flag.status, flag.decided_by, flag.decision_note) == (
        "approved",
        staff,
        "life drawing is art",
    )


@pytest.fixture
def emails_sent_at_once():
    """Run the e-mail task in this process (a worker would take it from the default queue)."""
    from webapp.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def test_rejecting_a_held_prompt_releases_the_points_and_says_why(
    client, user, staff, django_capture_on_commit_callbacks, mailoutbox, emails_sent_at_once
):
    before_submit = ledger.balance(user)
    job, flag = held_job(client, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        assert review.reject(flag, staff, "Explicit nudity is not allowed.")
    job.refresh_from_db()
    assert job.status == Job.Status.REJECTED
    assert hold_status(job) == Hold.Status.RELEASED
    assert ledger.balance(user) == before_submit
    assert "Explicit nudity is not allowed." in job.error_message
    page = client.get(reverse("generation:job", args=[job.pk])).content.decode()
    assert "Explicit nudity is not allowed." in page
    assert [m.to for m in mailoutbox] == [[user.email]]


def test_a_decision_is_taken_once(client, user, staff, django_capture_on_commit_callbacks):
    job, flag = held_job(client, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks():
        assert review.approve(flag, staff)
        stale = Flag.objects.get(pk=flag.pk)
        stale.status = Flag.Status.PENDING  # a second staff member's page, loaded earlier
        assert not review.reject(stale, staff, "too late")
        assert not review.approve(flag, staff)
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED
    assert hold_status(job) == Hold.Status.HELD


def test_a_job_under_review_cannot_be_deleted_by_its_owner(
    client, user, django_capture_on_commit_callbacks
):
    job, _flag = held_job(client, django_capture_on_commit_callbacks)
    client.post(reverse("generation:delete", args=[job.pk]))
    job.refresh_from_db()
    assert job.deleted_at is None and hold_status(job) == Hold.Status.HELD


def test_the_owner_can_cancel_a_prompt_held_for_review_and_gets_the_points_back(
    client, user, staff, django_capture_on_commit_callbacks
):
    before_submit = ledger.balance(user)
    job, flag = held_job(client, django_capture_on_commit_callbacks)
    assert 'id="cancel"' in client.get(reverse("generation:job", args=[job.pk])).content.decode()

    client.post(reverse("generation:cancel", args=[job.pk]))

    job.refresh_from_db()
    assert job.status == Job.Status.CANCELED
    assert hold_status(job) == Hold.Status.RELEASED and ledger.balance(user) == before_submit
    with django_capture_on_commit_callbacks() as callbacks:
        review.approve(flag, staff)  # a moderator's late click runs nothing
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELED and callbacks == []


# --- outputs held after rendering ------------------------------------------------------------


@pytest.fixture
def face_rule(db):
    """A rule the synthetic blurred portrait trips (NudeNet sees FACE_FEMALE at ~0.8)."""
    return PhotoRule.objects.create(detector_class="FACE_FEMALE", refuse_at=0.9, review_at=0.5)


@pytest.fixture
def rendered_portrait(monkeypatch):
    """The engine returns frames of a blurred portrait instead of running a pipeline."""
    from generation.engine import runner

    frame = np.asarray(blurred(portrait()))
    frames = np.stack([frame] * 9)
    monkeypatch.setattr(runner, "run", lambda request, **kw: GenerationResult(frames=frames, fps=8))


def run_held_output(client, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        submit(client, t2v_data())
    job = Job.objects.latest("pk")
    # _execute: execute() would first close the test's connection (close_old_connections).
    assert execution._execute(job.pk, "test-worker") == "review"
    job.refresh_from_db()
    return job, job.flags.get(kind=Flag.Kind.OUTPUT)


def test_a_flagged_output_is_hidden_with_its_points_held(
    client, user, face_rule, rendered_portrait, django_capture_on_commit_callbacks
):
    job, flag = run_held_output(client, user, django_capture_on_commit_callbacks)
    assert job.status == Job.Status.REVIEW
    assert hold_status(job) == Hold.Status.HELD
    assert (flag.layer, flag.field, flag.rule, flag.status) == (
        "output",
        "output",
        "FACE_FEMALE",
        "pending",
    )
    assets = list(job.assets.all())
    assert {a.kind for a in assets} == {"video", "poster", "preview"}
    for asset in assets:  # stored, but not served to the owner
        assert client.get(reverse("generation:asset", args=[asset.pk])).status_code == 404
    page = client.get(reverse("generation:job", args=[job.pk])).content.decode()
    assert "Under review" in page and "<video" not in page
    works = client.get(reverse("generation:works")).content.decode()
    assert reverse("generation:asset", args=[assets[0].pk]) not in works
    # Staff decide on held outputs: the owner cannot cancel their way out of the review.
    assert 'id="cancel"' not in page
    client.post(reverse("generation:cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == Job.Status.REVIEW and hold_status(job) == Hold.Status.HELD


def test_approving_a_flagged_output_shows_it_and_captures_the_points(
    client, user, staff, face_rule, rendered_portrait, django_capture_on_commit_callbacks
):
    job, flag = run_held_output(client, user, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        assert review.approve(flag, staff)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert hold_status(job) == Hold.Status.CAPTURED
    assert client.get(reverse("generation:asset", args=[job.video.pk])).status_code == 200
    assert "<video" in client.get(reverse("generation:job", args=[job.pk])).content.decode()


def test_rejecting_a_flagged_output_removes_it_and_releases_the_points(
    client, user, staff, face_rule, rendered_portrait, django_capture_on_commit_callbacks
):
    job, flag = run_held_output(client, user, django_capture_on_commit_callbacks)
    names = [a.file.name for a in job.assets.all()]
    with django_capture_on_commit_callbacks(execute=True):
        assert review.reject(flag, staff, "Not suitable.")
    job.refresh_from_db()
    assert job.status == Job.Status.REJECTED
    assert hold_status(job) == Hold.Status.RELEASED
    assert not job.assets.exists()
    assert not any(default_storage.exists(name) for name in names)
    assert "Not suitable." in job.error_message
    assert review.can_appeal(job)


# --- appeals ----------------------------------------------------------------------------------


def test_a_refusal_can_be_appealed_once_from_the_job_page(client, user):
    job = refused_job(client)
    url = reverse("generation:appeal", args=[job.pk])
    client.post(url, {"message": "It is a history documentary about the French revolution."})
    appeal = job.flags.get(kind=Flag.Kind.APPEAL)
    assert (appeal.status, appeal.field, appeal.category) == ("pending", "prompt", "violence")
    assert appeal.message.startswith("It is a history documentary")
    page = client.get(reverse("generation:job", args=[job.pk])).content.decode()
    assert "Your appeal is waiting for our team." in page
    assert 'id="appeal-form"' not in page
    response = client.post(url, {"message": "please"}, follow=True)
    assert "already appealed" in response.content.decode()
    assert job.flags.filter(kind=Flag.Kind.APPEAL).count() == 1


def test_only_refused_jobs_of_ones_own_can_be_appealed(
    client, user, bob, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        submit(client, t2v_data())
    queued = Job.objects.latest("pk")
    with pytest.raises(review.AppealRefused, match="Only a job refused by moderation"):
        review.appeal(queued, user, "let it through")
    refused = refused_job(client)
    with pytest.raises(review.AppealRefused, match="your own jobs"):
        review.appeal(refused, bob, "mine now")
    with pytest.raises(review.AppealRefused, match="why this should be allowed"):
        review.appeal(refused, user, "   ")
    client.force_login(bob)
    url = reverse("generation:appeal", args=[refused.pk])
    assert client.post(url, {"message": "hello"}).status_code == 404
    assert not Flag.objects.filter(kind=Flag.Kind.APPEAL).exists()


def run_it(client, job):
    """The owner reads the price on the job page and runs the job for it."""
    page = client.get(reverse("generation:job", args=[job.pk])).content.decode()
    price = re.search(r'name="price" value="(\d+)"', page).group(1)
    return client.post(reverse("generation:run_appealed", args=[job.pk]), {"price": price})


def test_an_accepted_appeal_charges_nothing_until_the_owner_runs_it_for_the_price_shown(
    client, user, staff, django_capture_on_commit_callbacks, emails_sent_at_once
):
    job = refused_job(client)
    before = ledger.balance(user)
    appeal = review.appeal(job, user, "a documentary")
    with django_capture_on_commit_callbacks(execute=True):
        assert review.approve(appeal, staff)
    job.refresh_from_db()
    assert job.status == Job.Status.REJECTED
    assert not Hold.objects.filter(ref__startswith=f"job:{job.pk}").exists()
    assert ledger.balance(user) == before
    # The owner is told, and told that nothing was charged.
    assert mail.outbox[-1].subject.endswith(f"Your appeal for job #{job.pk} was accepted")
    assert "Nothing has been charged" in mail.outbox[-1].body
    page = client.get(reverse("generation:job", args=[job.pk])).content.decode()
    assert 'data-testid="run-price">10<' in page

    with django_capture_on_commit_callbacks() as callbacks:
        run_it(client, job)
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED
    assert job.ledger_ref == f"job:{job.pk}:1"
    assert job.points_held == 100 and hold_status(job) == Hold.Status.HELD
    assert ledger.balance(user) == before - 100
    assert len(callbacks) == 1
    # Once running, the offer is gone: a second post changes nothing.
    client.post(reverse("generation:run_appealed", args=[job.pk]), {"price": "100"})
    assert Hold.objects.filter(ref__startswith=f"job:{job.pk}").count() == 1


def test_a_run_for_a_price_that_changed_meanwhile_is_asked_again(
    client, user, staff, settings, django_capture_on_commit_callbacks
):
    job = refused_job(client)
    assert review.approve(review.appeal(job, user, "a documentary"), staff)
    response = client.post(
        reverse("generation:run_appealed", args=[job.pk]), {"price": "50"}, follow=True
    )
    assert "The price changed to 10 points" in response.content.decode()
    job.refresh_from_db()
    assert job.status == Job.Status.REJECTED


def test_only_the_owner_runs_an_accepted_appeal(client, user, bob, staff):
    job = refused_job(client)
    assert review.approve(review.appeal(job, user, "a documentary"), staff)
    client.force_login(bob)
    response = client.post(reverse("generation:run_appealed", args=[job.pk]), {"price": "100"})
    assert response.status_code == 404
    assert not review.run_accepted_appeal(job, bob)


def test_an_accepted_appeal_after_a_released_hold_holds_anew(
    client, user, staff, django_capture_on_commit_callbacks
):
    job, flag = held_job(client, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks():
        review.reject(flag, staff, "No.")
        appeal = review.appeal(Job.objects.get(pk=job.pk), user, "it is a drawing class")
        assert review.approve(appeal, staff)
        run_it(client, job)
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED
    assert Hold.objects.get(ref=f"job:{job.pk}").status == Hold.Status.RELEASED
    assert Hold.objects.get(ref=f"job:{job.pk}:1").status == Hold.Status.HELD


def test_an_accepted_appeal_the_user_cannot_pay_for_says_so_and_offers_points(client, user, staff):
    job = refused_job(client)
    ledger.hold(user, ledger.balance(user), "spent-elsewhere")
    appeal = review.appeal(job, user, "a documentary")
    assert review.approve(appeal, staff)
    page = client.get(reverse("generation:job", args=[job.pk])).content.decode()
    price = re.search(r'name="price" value="(\d+)"', page).group(1)
    response = client.post(
        reverse("generation:run_appealed", args=[job.pk]), {"price": price}, follow=True
    )
    page = response.content.decode()
    assert "Not enough points: this job costs 10 points and you have 0." in page
    assert 'data-testid="buy-points"' in page
    job.refresh_from_db()
    assert job.status == Job.Status.REJECTED
    assert not Hold.objects.filter(ref__startswith=f"job:{job.pk}").exists()
    ledger.release("spent-elsewhere")


def test_a_declined_appeal_tells_the_user_why(client, user, staff):
    job = refused_job(client)
    appeal = review.appeal(job, user, "a documentary")
    assert review.reject(appeal, staff, "Beheading videos are not allowed.")
    job.refresh_from_db()
    assert job.status == Job.Status.REJECTED
    assert "the refusal stands: Beheading videos are not allowed." in job.error_message
    page = client.get(reverse("generation:job", args=[job.pk])).content.decode()
    assert "Your appeal was declined." in page


def test_an_appeal_accepted_after_the_owner_deleted_the_job_runs_nothing(client, user, staff):
    job = refused_job(client)
    appeal = review.appeal(job, user, "a documentary")
    client.post(reverse("generation:delete", args=[job.pk]))
    assert review.approve(appeal, staff)
    job.refresh_from_db()
    assert job.status == Job.Status.REJECTED and job.deleted_at is not None
    assert not Hold.objects.filter(ref__startswith=f"job:{job.pk}").exists()
