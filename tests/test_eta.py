"""The time estimate: learned from this installation's finished jobs, per shape of job, and cheap
to read on every status poll whatever the size of the job table."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from generation import eta
from generation.models import Job, RunTime

pytestmark = pytest.mark.django_db


def job(user, status="queued", kind="text_to_video", **params):
    return Job.objects.create(
        user=user,
        kind=kind,
        status=status,
        params={"mode": "standard", "aspect_ratio": "16:9", "duration_s": 5, **params},
        model_spec="tiny",
        points_held=100,
    )


def test_each_shape_learns_its_own_time_and_follows_recent_jobs(alice):
    five, ten = job(alice), job(alice, duration_s=10)
    for seconds in (10, 20):
        eta.record(five, seconds)
    assert eta.expected_seconds(five) == pytest.approx(15)  # the first samples weigh the same
    for _ in range(20):
        eta.record(five, 30)
    assert eta.expected_seconds(five) == pytest.approx(30, abs=0.5)  # then it follows
    # A 10-s clip never measured yet: its spec and kind's figure, then any job's.
    assert eta.expected_seconds(ten) == RunTime.objects.get(key="tiny|text_to_video").seconds
    picture = job(alice, kind="text_to_picture", num_images=4)
    assert eta.expected_seconds(picture) == RunTime.objects.get(key="*").seconds


def test_before_any_job_finished_the_estimate_is_the_default(alice):
    assert eta.expected_seconds(job(alice)) == eta.DEFAULT_SECONDS


def test_a_succeeded_job_teaches_the_estimate(alice):
    from billing import ledger
    from generation import services
    from tests.gen_helpers import give_points

    give_points(alice, 10)
    done = job(alice, status="running")
    ledger.hold(alice, 100, done.ledger_ref)
    Job.objects.filter(pk=done.pk).update(started_at=timezone.now() - timedelta(seconds=42))
    assert services.succeed(done.pk, lambda j: None)
    assert eta.expected_seconds(done) == pytest.approx(42, abs=2)


def test_a_queued_job_waits_for_those_ahead_shared_among_workers(alice, bob, settings):
    for seconds in (10, 10):
        eta.record(job(alice, status="succeeded"), seconds)
    ahead = [job(bob) for _ in range(3)]
    job(bob, status="running")
    mine = job(alice)
    position = eta.queue_position(mine)
    assert position == 3
    # 3 ahead and half of the running one at 10 s each, then its own 10 s; one worker.
    assert eta.eta_seconds(mine, position) == 45
    assert eta.eta_seconds(ahead[0]) == 15


def test_a_running_job_is_estimated_from_its_own_pace(alice):
    eta.record(job(alice), 100)
    running = job(alice, status="running")
    Job.objects.filter(pk=running.pk).update(
        started_at=timezone.now() - timedelta(seconds=30), progress=50
    )
    running.refresh_from_db()
    assert 29 <= eta.eta_seconds(running) <= 31  # half done in 30 s: 30 s to go


def make_history(user, count):
    Job.objects.bulk_create(
        Job(
            user=user,
            kind="text_to_video",
            status="succeeded",
            params={},
            model_spec="tiny",
            points_held=100,
        )
        for _ in range(count)
    )


def test_a_status_poll_costs_the_same_few_queries_whatever_the_history(client, alice, settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    mine = job(alice)
    client.force_login(alice)
    url = reverse("generation:job_status", args=[mine.pk])
    client.get(url)  # warms the session, the points check and the estimate's cache

    counts = []
    for history in (10, 3000):
        make_history(alice, history)
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    tables = [q["sql"].split(" FROM ")[1].split()[0] for q in queries.captured_queries]
    assert counts[0] == counts[1] <= 3, tables


def test_the_page_asks_less_often_the_longer_the_wait():
    assert [eta.poll_seconds(s) for s in (None, 5, 40, 100, 200, 3600)] == [1, 1, 2, 5, 10, 10]


def test_without_javascript_the_job_page_refreshes_itself_while_the_job_is_active(client, alice):
    mine = job(alice)
    client.force_login(alice)
    html = client.get(reverse("generation:job", args=[mine.pk])).content.decode()
    assert '<noscript><meta http-equiv="refresh"' in html
    Job.objects.filter(pk=mine.pk).update(status="succeeded")
    html = client.get(reverse("generation:job", args=[mine.pk])).content.decode()
    assert "http-equiv" not in html


def test_the_queue_position_follows_the_order_the_workers_take_jobs_in(alice, bob, monkeypatch):
    """Members first, then each user's earlier jobs before anyone's later ones (dispatch.py):
    bob's first job is sent after alice's three but runs second, and its page says so."""
    from generation import services
    from generation.tasks import run_job

    sent = []
    monkeypatch.setattr(run_job, "apply_async", lambda args, **options: sent.append(options))
    alices = [job(alice) for _ in range(3)]
    for queued in alices:
        assert services.enqueue(queued)
    bobs = job(bob)
    assert services.enqueue(bobs)
    for queued in (*alices, bobs):
        queued.refresh_from_db()
    assert [eta.queue_position(j) for j in alices] == [0, 2, 3]
    assert eta.queue_position(bobs) == 1
    member = job(bob)
    Job.objects.filter(pk=member.pk).update(priority=True)
    member.refresh_from_db()
    assert services.enqueue(member)
    member.refresh_from_db()
    assert eta.queue_position(member) == 0  # a member's job goes before every free one
    assert eta.queue_position(bobs) == 2
    # What the broker was told matches what the page shows: the stored level was sent.
    assert len(sent) == 5
