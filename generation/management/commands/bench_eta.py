"""How good the time estimate is: queue jobs in a row on a real worker and compare each job's
estimate at submission with its actual wait (submission to finish).

    python manage.py bench_eta --jobs 10 --rounds 2

Starts one `celery worker` process (the configured broker and model, the tiny one by default),
then per round submits --jobs text-to-video jobs at once for a bench user, as the site does
(points held, enqueued), and waits for them all. The first round teaches the estimate this
machine's run times (generation/eta.py); later rounds are the measured ones. Prints every job's
estimate, actual wait and error. The bench user, its jobs and ledger are deleted afterwards.
"""

import statistics
import time
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from billing import ledger
from billing.models import Lot
from generation import eta, services
from generation.management import bench_worker
from generation.models import Job


class Command(BaseCommand):
    help = "Compare each queued job's ETA at submission with its actual wait on a real worker."

    def add_arguments(self, parser):
        parser.add_argument("--jobs", type=int, default=10)
        parser.add_argument("--rounds", type=int, default=2)
        parser.add_argument("--duration", type=int, default=5)

    def handle(self, *args, **opts):
        User = get_user_model()
        email = f"bench-eta-{uuid.uuid4().hex[:8]}@example.invalid"
        user = User.objects.create(email=email)
        worker = self.start_worker()
        try:
            ledger.grant(user, 10**7, Lot.Source.PROMOTION, f"bench-eta:{user.pk}", None, "bench")
            for round_ in range(1, opts["rounds"] + 1):
                self.run_round(user, round_, opts)
        finally:
            worker.terminate()
            worker.wait(timeout=60)
            Job.objects.filter(user=user).delete()
            user.delete()

    def start_worker(self):
        return bench_worker.start("eta")[0]

    def run_round(self, user, round_, opts):
        params = {"mode": "standard", "aspect_ratio": "16:9", "duration_s": opts["duration"]}
        price = services.price_for("text_to_video", params)
        jobs, estimates = [], {}
        for i in range(opts["jobs"]):
            with transaction.atomic():
                job = Job.objects.create(
                    user=user,
                    kind="text_to_video",
                    prompt=f"a lighthouse at dusk, take {i}",
                    params={**params, "seed": i},
                    model_spec=settings.GENERATION_MODEL,
                    points_held=price,
                )
                ledger.hold(user, price, job.ledger_ref, reason="bench")
            estimates[job.pk] = eta.eta_seconds(job)
            services.enqueue(job)
            jobs.append(job)
        deadline = time.monotonic() + 3600
        while Job.objects.filter(pk__in=[j.pk for j in jobs], status__in=Job.ACTIVE).exists():
            if time.monotonic() > deadline:
                raise RuntimeError("jobs did not finish within an hour")
            time.sleep(0.5)
        errors = []
        self.stdout.write(f"round {round_}{' (learning)' if round_ == 1 else ''}:")
        for n, job in enumerate(jobs, start=1):
            job.refresh_from_db()
            actual = (job.finished_at - job.created_at).total_seconds()
            error = (estimates[job.pk] - actual) / actual
            errors.append(abs(error))
            self.stdout.write(
                f"  job {n:2}: estimate {estimates[job.pk]:5d} s, actual {actual:6.1f} s, "
                f"error {error:+.0%} ({job.status})"
            )
        self.stdout.write(f"  median |error| {statistics.median(errors):.0%}")
