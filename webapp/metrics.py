"""Prometheus metrics for the whole installation at /metrics, read from the database at scrape
time, so every web process answers the same and nothing is lost when a process restarts.

Series (all prefixed `studio_`):
- `queue_jobs{spec,queue}`, `queue_oldest_wait_seconds{spec}`: what waits, per model and queue
- `jobs_running{spec}`, `jobs{status,kind}`: the job table now
- `job_failures{reason}`: failed jobs by cause; `refusals{category}`: moderation refusals
- `job_run_seconds{key}`, `job_run_samples{key}`: learned run times (generation/eta.py)
- `workers_alive`: workers with a heartbeat in the last two minutes
- `worker_gpu_memory_bytes{worker,kind}`: GPU memory (allocated, reserved) of each live worker
  whose jobs use CUDA; absent for CPU workers
- `points_granted_tenths_total{source}`, `points_spent_tenths_total`,
  `points_refunded_tenths_total`: the ledger, in tenths of a point

Who may scrape: with METRICS_TOKEN, a request carrying `Authorization: Bearer <token>`;
without it, only clients on loopback or private addresses (a scraper inside the cluster).
The answer is cached for METRICS_CACHE_SECONDS, so a scrape costs the database a few grouped
counts at most that often.
"""

import hmac
import ipaddress
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Min, Sum
from django.http import HttpResponse, HttpResponseForbidden
from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from webapp.ratelimit import client_ip

CACHE_KEY = "metrics:exposition"

# Failure messages (generation/services.py, execution.py) by the cause they report.
FAILURE_REASONS = (
    ("time limit", "time_limit"),
    ("took too long", "time_limit"),
    ("stopped twice", "worker_lost"),
    ("failed on our servers", "crashed"),
)


def failure_reason(message: str) -> str:
    lowered = message.lower()
    return next((code for text, code in FAILURE_REASONS if text in lowered), "other")


class StudioCollector:
    def collect(self):
        from billing.models import Hold, Lot
        from generation.models import Job, RunTime
        from generation.moderation.models import Flag
        from webapp.models import WorkerHeartbeat

        now = timezone.now()
        queued = GaugeMetricFamily("studio_queue_jobs", "Jobs waiting", labels=["spec", "queue"])
        oldest = GaugeMetricFamily(
            "studio_queue_oldest_wait_seconds", "Wait of the oldest queued job", labels=["spec"]
        )
        waiting = (
            Job.objects.filter(status=Job.Status.QUEUED)
            .values("model_spec", "priority")
            .annotate(n=Count("id"), first=Min("created_at"))
        )
        first_by_spec = {}
        for row in waiting:
            queue = (
                settings.GENERATION_PRIORITY_QUEUE if row["priority"] else settings.GENERATION_QUEUE
            )
            queued.add_metric([row["model_spec"], queue], row["n"])
            spec_first = first_by_spec.get(row["model_spec"])
            first_by_spec[row["model_spec"]] = min(filter(None, (spec_first, row["first"])))
        for spec, first in first_by_spec.items():
            oldest.add_metric([spec], (now - first).total_seconds())
        yield queued
        yield oldest

        running = GaugeMetricFamily("studio_jobs_running", "Jobs running", labels=["spec"])
        for row in (
            Job.objects.filter(status=Job.Status.RUNNING)
            .values("model_spec")
            .annotate(n=Count("id"))
        ):
            running.add_metric([row["model_spec"]], row["n"])
        yield running

        jobs = GaugeMetricFamily(
            "studio_jobs", "Jobs by status and kind", labels=["status", "kind"]
        )
        for row in Job.objects.values("status", "kind").annotate(n=Count("id")):
            jobs.add_metric([row["status"], row["kind"]], row["n"])
        yield jobs

        failures = GaugeMetricFamily(
            "studio_job_failures", "Failed jobs by cause", labels=["reason"]
        )
        by_reason = {}
        for row in (
            Job.objects.filter(status=Job.Status.FAILED)
            .values("error_message")
            .annotate(n=Count("id"))
        ):
            reason = failure_reason(row["error_message"])
            by_reason[reason] = by_reason.get(reason, 0) + row["n"]
        for reason, n in sorted(by_reason.items()):
            failures.add_metric([reason], n)
        yield failures

        refusals = GaugeMetricFamily(
            "studio_refusals", "Moderation refusals by category", labels=["category"]
        )
        for row in (
            Flag.objects.filter(status=Flag.Status.REJECTED)
            .values("category")
            .annotate(n=Count("id"))
        ):
            refusals.add_metric([row["category"]], row["n"])
        yield refusals

        run_seconds = GaugeMetricFamily(
            "studio_job_run_seconds", "Learned run time, claim to finish", labels=["key"]
        )
        samples = GaugeMetricFamily(
            "studio_job_run_samples", "Jobs behind the learned run time", labels=["key"]
        )
        for stat in RunTime.objects.all():
            run_seconds.add_metric([stat.key], stat.seconds)
            samples.add_metric([stat.key], stat.samples)
        yield run_seconds
        yield samples

        live = WorkerHeartbeat.objects.filter(seen_at__gte=now - timedelta(seconds=120))
        yield GaugeMetricFamily("studio_workers_alive", "Workers seen in 2 min", value=live.count())
        gpu = GaugeMetricFamily(
            "studio_worker_gpu_memory_bytes",
            "GPU memory a live worker's jobs hold (torch's allocator)",
            labels=["worker", "kind"],
        )
        for beat in live.filter(gpu_memory_allocated__isnull=False):
            gpu.add_metric([beat.hostname, "allocated"], beat.gpu_memory_allocated)
            gpu.add_metric([beat.hostname, "reserved"], beat.gpu_memory_reserved or 0)
        yield gpu

        granted = CounterMetricFamily(
            "studio_points_granted_tenths", "Points granted, by source", labels=["source"]
        )
        for row in Lot.objects.values("source").annotate(total=Sum("amount")):
            granted.add_metric([row["source"]], row["total"] or 0)
        yield granted
        settled = dict(
            Hold.objects.exclude(status=Hold.Status.HELD)
            .values("status")
            .annotate(total=Sum("amount"))
            .values_list("status", "total")
        )
        yield CounterMetricFamily(
            "studio_points_spent_tenths",
            "Points spent on finished jobs",
            value=settled.get(Hold.Status.CAPTURED) or 0,
        )
        yield CounterMetricFamily(
            "studio_points_refunded_tenths",
            "Points held for jobs and given back",
            value=settled.get(Hold.Status.RELEASED) or 0,
        )


def exposition() -> bytes:
    body = cache.get(CACHE_KEY)
    if body is None:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(StudioCollector())
        body = generate_latest(registry)
        cache.set(CACHE_KEY, body, settings.METRICS_CACHE_SECONDS)
    return body


def allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(sent.encode(), token.encode())
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    return address.is_loopback or address.is_private


def metrics_view(request):
    if not allowed(request):
        return HttpResponseForbidden("metrics: set METRICS_TOKEN and send it as a Bearer token")
    return HttpResponse(exposition(), content_type="text/plain; version=0.0.4; charset=utf-8")
