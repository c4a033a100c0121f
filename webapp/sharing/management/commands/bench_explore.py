"""Server time of explore and of a shared work's public page at scale, on PostgreSQL.

    python manage.py bench_explore --works 100000 --likes 1000000 --repeat 300

Fills the database with `--works` public works by 1,000 creators (a job, a poster and a video
row each, spread over 60 days, one in five a picture, one in fifty a staff pick) and about
`--likes` likes (each work 0 to 2 × average likes, from distinct users): users, jobs and assets
by bulk_create, shares and likes by two INSERT ... SELECT statements, then ANALYZE. Then it
times requests through the Django test client in process, logged out and signed in, and prints
milliseconds per request (p50, p95): wall, CPU of the serving thread (what the request costs
when the machine is not shared) and SQL (as the database client waited for it), and queries:
explore's first page in each order, with a filter, a page far down by its cursor, and the public
pages of random works. Everything runs
in one transaction that is rolled back at the end: the database is left as it was. Run it
against a test or staging database all the same.
"""

import random
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from generation.models import Asset, Job
from webapp.sharing import feed, services
from webapp.sharing.models import Like, Profile, Share

CREATORS = 1000


class Command(BaseCommand):
    help = "Print p50/p95 milliseconds and queries of explore and the public page at scale."

    def add_arguments(self, parser):
        parser.add_argument("--works", type=int, default=100_000)
        parser.add_argument("--likes", type=int, default=1_000_000)
        parser.add_argument("--repeat", type=int, default=300)

    def handle(self, *args, **opts):
        if connection.vendor != "postgresql":
            raise CommandError("bench_explore needs PostgreSQL (DATABASE_URL)")
        with transaction.atomic():
            self.fill(opts["works"], opts["likes"])
            self.measure_all(opts["repeat"])
            # Everything made for the measurement goes again.
            transaction.set_rollback(True)

    def fill(self, works: int, likes: int):
        started = time.perf_counter()
        per_work = max(1, round(2 * likes / works))  # likes of a work: 0 .. per_work
        User = get_user_model()
        people = User.objects.bulk_create(
            [
                User(
                    email=f"bench-explore-{i}@example.invalid",
                    password=make_password(None),
                    display_name=f"Creator {i}",
                    notify_job_finished=False,
                )
                for i in range(CREATORS + per_work)
            ],
            batch_size=2000,
        )
        creators, fans = people[:CREATORS], people[CREATORS:]
        Profile.objects.bulk_create([Profile(user=u, handle=f"bench-{u.pk}") for u in creators])
        now = timezone.now()
        jobs = Job.objects.bulk_create(
            (
                Job(
                    user=creators[i % CREATORS],
                    kind=Job.Kind.TEXT_TO_PICTURE if i % 5 == 0 else Job.Kind.TEXT_TO_VIDEO,
                    status=Job.Status.SUCCEEDED,
                    prompt=f"bench prompt number {i}, a paper boat in the rain",
                    params={
                        "aspect_ratio": ("16:9", "9:16", "1:1")[i % 3],
                        "duration_s": 5,
                        "mode": "standard",
                        "seed": i,
                    },
                    model_spec="tiny",
                    points_held=100,
                    progress=100,
                    finished_at=now - timedelta(seconds=50 * i),
                )
                for i in range(works)
            ),
            batch_size=5000,
        )
        Asset.objects.bulk_create(
            (
                Asset(
                    job=job,
                    kind=kind,
                    file=f"outputs/bench/{job.pk}.{kind}",
                    content_type=content_type,
                    width=832,
                    height=480,
                    frames=40,
                    fps=16,
                    size_bytes=1000,
                )
                for job in jobs
                for kind, content_type in (("poster", "image/jpeg"), ("video", "video/mp4"))
            ),
            batch_size=5000,
        )
        first_job, first_fan = jobs[0].pk, fans[0].pk
        with connection.cursor() as cursor:
            # Shares and likes: the bulk of the rows, made by the database itself.
            cursor.execute(
                """INSERT INTO sharing_share (job_id, user_id, token, visibility, show_prompt,
                    kind, aspect_ratio, published_at, like_count, remix_count, report_count,
                    hot, featured_at)
                SELECT j.id, j.user_id, md5(j.id::text || random()::text), 'public', true,
                    j.kind, j.params->>'aspect_ratio', j.finished_at, j.id %% %(n)s, 0, 0,
                    log(greatest(j.id %% %(n)s, 1)) + extract(epoch FROM j.finished_at) / %(d)s,
                    CASE WHEN j.id %% 50 = 0 THEN j.finished_at END
                FROM generation_job j WHERE j.id BETWEEN %(first)s AND %(last)s""",
                {
                    "n": per_work + 1,
                    "d": services.HOT_SECONDS_PER_DECADE,
                    "first": first_job,
                    "last": jobs[-1].pk,
                },
            )
            cursor.execute(
                """INSERT INTO sharing_like (share_id, user_id, created_at)
                SELECT s.id, f.id, now() FROM sharing_share s
                JOIN LATERAL (SELECT unnest(%(fans)s::bigint[]) AS id LIMIT s.like_count) f
                    ON true
                WHERE s.job_id BETWEEN %(first)s AND %(last)s""",
                {"fans": [f.pk for f in fans], "first": first_job, "last": jobs[-1].pk},
            )
            for model in (User, Profile, Job, Asset, Share, Like):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        self.fans = fans
        self.stdout.write(
            f"filled in {time.perf_counter() - started:.1f} s: "
            f"{Share.objects.filter(job_id__gte=first_job).count():,} public works, "
            f"{Like.objects.filter(user_id__gte=first_fan).count():,} likes, "
            f"{len(people):,} users"
        )

    def measure_all(self, repeat: int):
        host = (settings.ALLOWED_HOSTS or ["localhost"])[0].lstrip(".")
        visitor = Client(HTTP_HOST=host)
        member = Client(HTTP_HOST=host)
        member.force_login(self.fans[0])
        explore = reverse("sharing:explore")
        _page, cursor = feed.page("newest", size=24 * 40)
        tokens = list(Share.objects.values_list("token", flat=True))
        rng = random.Random(18)
        pages = [
            ("explore newest", lambda: explore),
            ("explore trending", lambda: explore + "?sort=trending"),
            ("explore staff picks", lambda: explore + "?sort=picks"),
            ("explore pictures, 9:16", lambda: explore + "?kind=text_to_picture&aspect=9:16"),
            ("explore page 41 (cursor)", lambda: f"{explore}?cursor={cursor}"),
            (
                "public page (random work)",
                lambda: reverse("sharing:page", args=[rng.choice(tokens)]),
            ),
        ]
        self.stdout.write(
            f"{'':<39}{'wall ms':>14}{'cpu ms':>14}{'sql ms':>14}\n"
            f"{'page':<28}{'who':<11}{'p50    p95':>14}{'p50    p95':>14}{'p50    p95':>14}"
            "  queries"
        )
        for name, url in pages:
            for who, client in (("logged out", visitor), ("signed in", member)):
                self.measure(name, who, client, url, repeat)
        self.explain(cursor)

    def explain(self, cursor):
        """The plan PostgreSQL chose for each explore query, and its execution time there."""
        self.stdout.write("\nexplore's query as PostgreSQL runs it (EXPLAIN ANALYZE):")
        for name, args in (
            ("newest", {}),
            ("trending", {"sort": "trending"}),
            ("staff picks", {"sort": "picks"}),
            ("pictures, 9:16", {"kind": "text_to_picture", "aspect": "9:16"}),
            ("page 41 (cursor)", {"cursor": cursor}),
        ):
            plan = feed.query(**args)[: feed.PAGE_SIZE + 1].explain(analyze=True).splitlines()
            scans = sorted(
                {
                    line.split(" on ")[0].split("->")[-1].strip()
                    for line in plan
                    if " on sharing_share" in line
                }
            )
            total = next(line for line in plan if line.startswith("Execution Time"))
            self.stdout.write(f"  {name:<20}{total:<32}{'; '.join(scans)}")

    def measure(self, name, who, client, url, repeat):
        for _ in range(5):  # warm the connection, the caches and the templates
            assert client.get(url()).status_code == 200
        wall, cpu, sql, queries = [], [], [], set()
        for _ in range(repeat):
            target = url()
            with CaptureQueriesContext(connection) as captured:
                started, cpu_started = time.perf_counter(), time.thread_time()
                response = client.get(target)
                cpu.append((time.thread_time() - cpu_started) * 1000)
                wall.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (target, response.status_code)
            queries.add(len(captured.captured_queries))
            sql.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
        counts = "/".join(str(q) for q in sorted(queries))
        self.stdout.write(
            f"{name:<28}{who:<11}{_p(wall, 50):>7.1f}{_p(wall, 95):>7.1f}"
            f"{_p(cpu, 50):>7.1f}{_p(cpu, 95):>7.1f}{_p(sql, 50):>7.1f}{_p(sql, 95):>7.1f}"
            f"  {counts}"
        )


def _p(values, percent) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * percent // 100) - 1)]
