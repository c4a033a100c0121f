"""Time the staff dashboard's figures and the review queue page over a synthetic history.

    python manage.py bench_staff_dashboard --jobs 20000 --flags 2000

Everything it creates is made inside one transaction that is rolled back at the end, so it can
run against any database (use a test or staging one all the same).
"""

import random
import statistics
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.models import Lot
from generation.models import Job
from generation.moderation.models import Flag
from webapp.staff import dashboard
from webapp.staff.groups import ensure_staff_groups


class Command(BaseCommand):
    help = "Print how long the staff dashboard and review queue take over a synthetic history."

    def add_arguments(self, parser):
        parser.add_argument("--jobs", type=int, default=20000)
        parser.add_argument("--flags", type=int, default=2000)
        parser.add_argument("--repeat", type=int, default=5)

    def handle(self, *args, **opts):
        with transaction.atomic():
            self.run(opts)
            # Everything made for the measurement goes again.
            transaction.set_rollback(True)

    def run(self, opts):
        User = get_user_model()
        rng = random.Random(7)
        now = timezone.now()
        users = User.objects.bulk_create(
            [
                User(email=f"bench{i}@example.invalid", email_canonical=f"bench{i}@example.invalid")
                for i in range(200)
            ]
        )
        statuses = Job.Status.values
        jobs = []
        for i in range(opts["jobs"]):
            created = now - timedelta(seconds=rng.uniform(0, 86400 * 2))
            status = rng.choice(statuses)
            started = created + timedelta(seconds=rng.uniform(1, 120))
            jobs.append(
                Job(
                    user=users[i % len(users)],
                    kind="text_to_video",
                    status=status,
                    prompt="bench",
                    model_spec="tiny",
                    points_held=100,
                    started_at=None if status == "queued" else started,
                )
            )
        jobs = Job.objects.bulk_create(jobs, batch_size=2000)
        # created_at is auto_now_add: spread it out afterwards.
        for job in jobs[: min(len(jobs), 5000)]:
            Job.objects.filter(pk=job.pk).update(
                created_at=now - timedelta(seconds=rng.uniform(0, 86400 * 2))
            )
        Flag.objects.bulk_create(
            [
                Flag(
                    job=jobs[i],
                    user_id=jobs[i].user_id,
                    kind=rng.choice(Flag.Kind.values),
                    field="prompt",
                    layer=rng.choice(["blocklist", "semantic", "photo"]),
                    category="violence",
                    rule=f"rule {i % 40}",
                    score=rng.random(),
                    status=rng.choice(Flag.Status.values),
                )
                for i in range(min(opts["flags"], len(jobs)))
            ],
            batch_size=2000,
        )
        from billing.models import Wallet

        wallets = Wallet.objects.bulk_create([Wallet(user=u) for u in users])
        Lot.objects.bulk_create(
            [
                Lot(
                    wallet=wallets[i % len(wallets)],
                    source=rng.choice(Lot.Source.values),
                    source_ref=f"bench:{i}",
                    amount=100,
                    remaining=0,
                    granted_at=now - timedelta(days=rng.uniform(0, 14)),
                )
                for i in range(5000)
            ],
            batch_size=2000,
        )
        self.stdout.write(
            f"{connection.vendor}: {len(jobs)} jobs, {Flag.objects.count()} flags, 5000 lots"
        )

        timings = []
        for _ in range(opts["repeat"]):
            start = time.perf_counter()
            dashboard.figures()
            timings.append(time.perf_counter() - start)
        self.stdout.write(
            f"dashboard figures: median {statistics.median(timings) * 1000:.1f} ms "
            f"(min {min(timings) * 1000:.1f}, {opts['repeat']} runs)"
        )

        ensure_staff_groups()
        staff = User.objects.create(
            email="bench-staff@example.invalid",
            email_canonical="bench-staff@example.invalid",
            is_staff=True,
            is_superuser=True,
        )
        # The first allowed host: the test client's "testserver" is refused outside tests.
        client = Client(HTTP_HOST=(settings.ALLOWED_HOSTS or ["localhost"])[0].lstrip("."))
        client.force_login(staff)
        for name, url in (
            ("dashboard page", "/staff/"),
            ("review queue page", "/admin/moderation/flag/"),
        ):
            client.get(url)
            timings = []
            for _ in range(opts["repeat"]):
                with CaptureQueriesContext(connection) as queries:
                    start = time.perf_counter()
                    response = client.get(url)
                    timings.append(time.perf_counter() - start)
                assert response.status_code == 200, response.status_code
            self.stdout.write(
                f"{name}: median {statistics.median(timings) * 1000:.1f} ms, "
                f"{len(queries.captured_queries)} queries"
            )
