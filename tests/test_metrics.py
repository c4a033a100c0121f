"""The Prometheus endpoint, scraped as Prometheus would: the named series are there with the
values the database holds, and only an allowed scraper gets them."""

from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from billing import ledger
from generation.models import Job, RunTime
from generation.moderation.models import Flag
from tests.gen_helpers import give_points
from webapp.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def scrape(client, **headers) -> dict:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def job(user, status, spec="tiny", priority=False, message="", kind="text_to_video"):
    made = Job.objects.create(
        user=user,
        kind=kind,
        status=status,
        params={},
        model_spec=spec,
        points_held=100,
        priority=priority,
        error_message=message,
    )
    return made


def test_the_named_series_carry_what_the_database_holds(client, alice, bob):
    give_points(alice, 50)
    for ref, release in (("job:a", False), ("job:b", True)):
        ledger.hold(alice, 100, ref)
        ledger.release(ref) if release else ledger.capture(ref)
    old = job(alice, "queued")
    Job.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(seconds=90))
    job(bob, "queued", priority=True)
    job(bob, "queued", spec="wan2.1")
    job(alice, "running")
    job(alice, "failed", message="The job ran past its time limit. Your points were refunded.")
    job(alice, "failed", message="Generation failed on our servers. Your points were refunded.")
    refused = job(bob, "rejected")
    Flag.objects.create(
        job=refused,
        user=bob,
        kind="prompt",
        field="prompt",
        layer="blocklist",
        category="minors",
        status="rejected",
    )
    RunTime.objects.create(key="*", seconds=42.5, samples=7)
    WorkerHeartbeat.objects.create(hostname="gpu0@host", pid=1, seen_at=timezone.now())

    s = scrape(client)

    assert s[("studio_queue_jobs", (("queue", "gpu"), ("spec", "tiny")))] == 1
    assert s[("studio_queue_jobs", (("queue", "gpu-priority"), ("spec", "tiny")))] == 1
    assert s[("studio_queue_jobs", (("queue", "gpu"), ("spec", "wan2.1")))] == 1
    assert s[("studio_queue_oldest_wait_seconds", (("spec", "tiny"),))] >= 90
    assert s[("studio_jobs_running", (("spec", "tiny"),))] == 1
    assert s[("studio_jobs", (("kind", "text_to_video"), ("status", "failed")))] == 2
    assert s[("studio_job_failures", (("reason", "time_limit"),))] == 1
    assert s[("studio_job_failures", (("reason", "crashed"),))] == 1
    assert s[("studio_refusals", (("category", "minors"),))] == 1
    assert s[("studio_job_run_seconds", (("key", "*"),))] == 42.5
    assert s[("studio_workers_alive", ())] == 1
    assert s[("studio_points_granted_tenths_total", (("source", "promotion"),))] == 500
    assert s[("studio_points_spent_tenths_total", ())] == 100
    assert s[("studio_points_refunded_tenths_total", ())] == 100


def test_only_an_allowed_scraper_gets_them(client, settings):
    assert client.get("/metrics", REMOTE_ADDR="93.184.216.34").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 403
    allowed = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert allowed.status_code == 200
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer guess")
    assert wrong.status_code == 403
