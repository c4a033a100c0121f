"""Screening at submission: a refused job holds nothing and says why; a held job waits for
review with its points held; submissions are rate limited per user."""

import pytest
from django.urls import reverse

from billing import ledger
from generation.models import Job
from generation.moderation.models import BlockedTerm, Flag
from tests.gen_helpers import give_points, held_refs, t2v_data
from tests.moderation_helpers import submit

pytestmark = pytest.mark.django_db


def test_a_banned_prompt_is_refused_and_holds_no_points(client, user):
    before = ledger.balance(user)
    response = submit(client, t2v_data(prompt="a p 0 r n video of a woman"))
    job = Job.objects.get(user=user)
    assert response.status_code == 302 and response.url == reverse("generation:job", args=[job.pk])
    assert job.status == Job.Status.REJECTED
    assert job.points_held == 0
    assert held_refs(user) == []
    assert ledger.balance(user) == before
    page = client.get(response.url).content.decode()
    # The user is told the field and the rule's category, never the term that matched.
    assert "Your prompt was refused: it matches our rules on sexual content." in page
    assert "porn" not in page.split("Prompt</strong>")[0].lower()
    assert "No points were held." in page
    assert 'id="appeal-form"' in page
    flag = job.flags.get()
    assert (flag.kind, flag.layer, flag.field, flag.status) == (
        "prompt",
        "blocklist",
        "prompt",
        Flag.Status.REJECTED,
    )


def test_a_refused_job_is_listed_in_my_works(client, user):
    submit(client, t2v_data(prompt="斩首视频"))
    page = client.get(reverse("generation:works")).content.decode()
    assert "Rejected" in page


def test_the_negative_prompt_is_screened_and_named(client, user):
    submit(client, t2v_data(prompt="a pretty girl", negative_prompt="n1gger"))
    job = Job.objects.get(user=user)
    assert job.status == Job.Status.REJECTED
    assert "Your negative prompt was refused" in job.error_message
    assert "hate or harassment" in job.error_message


def test_steering_away_from_nsfw_in_the_negative_prompt_is_fine(
    client, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        submit(
            client,
            t2v_data(prompt="a woman on the beach", negative_prompt="nsfw, nude, gore, blood"),
        )
    assert Job.objects.get(user=user).status == Job.Status.QUEUED


def test_a_review_term_holds_the_job_with_its_points(
    client, user, django_capture_on_commit_callbacks
):
    before = ledger.balance(user)
    with django_capture_on_commit_callbacks() as callbacks:
        response = submit(client, t2v_data(prompt="a nude figure drawing class"))
    job = Job.objects.get(user=user)
    assert job.status == Job.Status.REVIEW
    assert ledger.balance(user) == before - job.points_held
    assert held_refs(user) == [job.ledger_ref]
    assert callbacks == []  # not enqueued until a person approves it
    flag = job.flags.get()
    assert (flag.kind, flag.status, flag.category) == ("prompt", "pending", "sexual")
    page = client.get(response.url).content.decode()
    assert "Under review" in page
    assert "points held until the review ends" in page


def test_staff_can_add_a_term_and_it_applies_at_once(client, user):
    BlockedTerm.objects.create(term="purple elephant", category="hate", action="refuse")
    submit(client, t2v_data(prompt="A PURPLE-ELEPHANT parade"))
    assert Job.objects.get(user=user).status == Job.Status.REJECTED


def test_an_inactive_term_no_longer_refuses(client, user, django_capture_on_commit_callbacks):
    BlockedTerm.objects.create(term="purple elephant", category="hate", active=False)
    with django_capture_on_commit_callbacks():
        submit(client, t2v_data(prompt="a purple elephant parade"))
    assert Job.objects.get(user=user).status == Job.Status.QUEUED


def test_submissions_are_rate_limited_per_user(
    client, user, bob, settings, django_capture_on_commit_callbacks
):
    settings.JOB_SUBMIT_RATE = "2/m"
    Job.objects.filter(user=user).delete()
    with django_capture_on_commit_callbacks():
        for _ in range(2):
            submit(client, t2v_data(prompt="斩首视频"))  # refusals count too
        response = submit(client, t2v_data())
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert "You are submitting jobs too quickly (at most 2 every 1 min)" in errors[0]
    assert Job.objects.filter(user=user).count() == 2
    # Another user has a counter of their own.
    client.force_login(bob)
    give_points(bob, 50)
    with django_capture_on_commit_callbacks():
        assert submit(client, t2v_data()).status_code == 302


def test_the_rate_setting_is_checked():
    from django.core.exceptions import ImproperlyConfigured

    from generation.moderation.ratelimit import parse_rate

    assert parse_rate("10/m") == (10, 60)
    assert parse_rate("30/5m") == (30, 300)
    assert parse_rate("") is None and parse_rate("0/h") is None
    with pytest.raises(ImproperlyConfigured):
        parse_rate("ten per minute")
