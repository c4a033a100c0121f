"""Server cost of the API's busiest calls: create a job (form or JSON), get one, upload a photo.

    python manage.py bench_api --repeat 200

Makes a member with room for many jobs at once and enough points, then times `POST /api/v1/jobs`
(each with its own Idempotency-Key: the form, screening, the price, the hold, the job row and the
key's row) sent as a form and as JSON, `GET /api/v1/jobs/{id}`, and `POST /api/v1/uploads` of a
640 x 480 JPEG (checked, re-encoded as PNG, stored; uploads are deleted again at the end), through
the Django test client in process, and prints CPU
and wall milliseconds (p50, p95) and queries per call. The submission rate limit is lifted for
the run. Everything is made inside one transaction that is rolled back at the end, so jobs are
never sent to the broker (its send is not counted); run it against a test or staging database
all the same.
"""

import io
import statistics
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing import ledger
from billing.middleware import grant_points_due
from billing.models import Lot, Membership, Tier
from webapp.api import photo_uploads, tokens
from webapp.api.models import PhotoUpload

BENCH_EMAIL = "bench-api@example.invalid"


def _jpeg(size=(640, 480)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.effect_noise(size, 40).convert("RGB").save(out, format="JPEG", quality=90)
    return out.getvalue()


class Command(BaseCommand):
    help = "Print CPU-ms, wall-ms and queries per API create and get."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=200)

    def handle(self, *args, **opts):
        limit = settings.JOB_SUBMIT_RATE
        settings.JOB_SUBMIT_RATE = ""
        cap = photo_uploads.MAX_LIVE_UPLOADS
        photo_uploads.MAX_LIVE_UPLOADS = opts["repeat"] + 10
        files = []
        try:
            with transaction.atomic():
                self.run(opts["repeat"])
                uploads = PhotoUpload.objects.filter(user__email=BENCH_EMAIL)
                files = list(uploads.values_list("image", flat=True))
                # Everything made for the measurement goes again.
                transaction.set_rollback(True)
        finally:
            settings.JOB_SUBMIT_RATE = limit
            photo_uploads.MAX_LIVE_UPLOADS = cap
            # The rows rolled back; the uploads' files are in storage.
            for name in files:
                default_storage.delete(name)

    def run(self, repeat: int):
        now = timezone.now()
        user = get_user_model().objects.create(email=BENCH_EMAIL, email_canonical=BENCH_EMAIL)
        tier = Tier.objects.create(
            code="bench-api", name="Bench", rank=99, monthly_points=1, max_concurrent_jobs=10_000
        )
        Membership.objects.create(
            user=user, tier=tier, starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=9)
        )
        grant_points_due(user)
        points = 100 * (2 * repeat + 10)  # tenths: a 5 s video per create, form and JSON
        ledger.grant(user, points, Lot.Source.PROMOTION, "bench-api", None, "bench")
        raw = tokens.create_token(user, "bench", ["read", "create"])[1]
        host = (settings.ALLOWED_HOSTS or ["localhost"])[0].lstrip(".")
        client = Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Bearer {raw}")
        data = {"kind": "text_to_video", "prompt": "a paper boat on a rainy street"}
        self.stdout.write(
            f"on {connection.vendor}; semantic screening: {settings.MODERATION_SEMANTIC}"
        )

        def create(i):
            return client.post("/api/v1/jobs", data, HTTP_IDEMPOTENCY_KEY=f"bench-{i}")

        for i in range(3):  # warm the screening model, the caches and the connection
            job_id = create(f"warm-{i}").json()["id"]

        def create_json(i):
            key = f"bench-json-{i}"
            return client.post(
                "/api/v1/jobs", data, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
            )

        photo = _jpeg()

        def upload(i):
            return client.post("/api/v1/uploads", photo, content_type="image/jpeg")

        self.measure("create", repeat, create, 201)
        self.measure("create (JSON)", repeat, create_json, 201)
        self.measure("get", repeat, lambda i: client.get(f"/api/v1/jobs/{job_id}"), 200)
        self.measure("upload", repeat, upload, 201)

    def measure(self, name, repeat, call, status):
        cpu, wall, queries = [], [], []
        for i in range(repeat):
            with CaptureQueriesContext(connection) as captured:
                c0, w0 = time.process_time(), time.perf_counter()
                response = call(i)
                cpu.append((time.process_time() - c0) * 1000)
                wall.append((time.perf_counter() - w0) * 1000)
            assert response.status_code == status, response.content[:300]
            queries.append(len(captured))
        self.stdout.write(
            f"{name:13} x{repeat}: CPU p50 {statistics.median(cpu):.1f} ms, p95 {_p95(cpu):.1f} ms;"
            f" wall p50 {statistics.median(wall):.1f} ms, p95 {_p95(wall):.1f} ms;"
            f" queries {min(queries)}–{max(queries)}"
        )


def _p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
