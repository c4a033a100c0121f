"""Server cost of one live-status poll (most of the site's requests) over a large job history.

    python manage.py bench_status --jobs 100000 --repeat 200

Seeds a history of finished jobs, a queue and running jobs, then polls one queued and one
running job's status as their owner and prints CPU milliseconds (this process's CPU time, so it
stays stable on a busy machine), wall milliseconds and database queries per poll. Everything is
made inside one transaction that is rolled back at the end; run it against a test or staging
database all the same. Set REDIS_URL to measure the production session and cache setup.
"""

import statistics
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from generation import eta
from generation.models import Job


class Command(BaseCommand):
    help = "Print CPU-ms, wall-ms and queries per status poll over a synthetic job history."

    def add_arguments(self, parser):
        parser.add_argument("--jobs", type=int, default=100_000)
        parser.add_argument("--queued", type=int, default=200)
        parser.add_argument("--repeat", type=int, default=200)

    def handle(self, *args, **opts):
        with transaction.atomic():
            self.run(opts)
            # Everything made for the measurement goes again.
            transaction.set_rollback(True)

    def run(self, opts):
        User = get_user_model()
        now = timezone.now()
        owner = User.objects.create(
            email="bench-status@example.invalid", email_canonical="bench-status@example.invalid"
        )
        others = User.objects.create(
            email="bench-others@example.invalid", email_canonical="bench-others@example.invalid"
        )
        fields = {"kind": "text_to_video", "model_spec": "tiny", "points_held": 100, "params": {}}
        started = time.perf_counter()
        for first in range(0, opts["jobs"], 5000):
            Job.objects.bulk_create(
                Job(user=others, status="succeeded", started_at=now, finished_at=now, **fields)
                for _ in range(first, min(first + 5000, opts["jobs"]))
            )
        Job.objects.bulk_create(
            Job(user=others, status="queued", **fields) for _ in range(opts["queued"])
        )
        queued = Job.objects.create(user=owner, status="queued", **fields)
        running = Job.objects.create(
            user=owner, status="running", started_at=now - timedelta(seconds=5), **fields
        )
        eta.record(Job(model_spec="tiny", kind="text_to_video", params={}), 30.0)
        self.stdout.write(
            f"seeded {opts['jobs']} finished + {opts['queued'] + 2} active jobs in "
            f"{time.perf_counter() - started:.0f} s on {connection.vendor}; "
            f"sessions: {settings.SESSION_ENGINE.rsplit('.', 1)[-1]}"
        )
        client = Client(HTTP_HOST=(settings.ALLOWED_HOSTS or ["localhost"])[0].lstrip("."))
        client.force_login(owner)
        for job in (queued, running):
            url = reverse("generation:job_status", args=[job.pk])
            for _ in range(3):  # warm the session, the points check and the estimate's cache
                client.get(url)
            cpu, wall, queries = [], [], []
            for _ in range(opts["repeat"]):
                with CaptureQueriesContext(connection) as captured:
                    c0, w0 = time.process_time(), time.perf_counter()
                    response = client.get(url)
                    cpu.append((time.process_time() - c0) * 1000)
                    wall.append((time.perf_counter() - w0) * 1000)
                assert response.status_code == 200, response.status_code
                queries.append(len(captured))
            self.stdout.write(
                f"{job.status:8} poll: CPU p50 {statistics.median(cpu):.2f} ms, "
                f"p95 {_p95(cpu):.2f} ms; wall p50 {statistics.median(wall):.2f} ms, "
                f"p95 {_p95(wall):.2f} ms; queries {min(queries)}–{max(queries)}"
            )


def _p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
