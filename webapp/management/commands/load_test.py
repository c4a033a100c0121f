"""The site under many people at once: seeds accounts, runs deploy/locustfile.py headless and
prints each endpoint's p50/p95/p99 and the server's CPU per request.

    python manage.py load_test --users 50 --duration 120 --serve

Every simulated person logs in, then repeats: create page, submit, job page, live status polls,
works, cancel. `--serve` starts gunicorn with deploy/gunicorn.conf.py on this machine's database and
broker (the environment's DATABASE_URL, CELERY_BROKER_URL, REDIS_URL) with SERVER_TIMING on and
TRUSTED_PROXY_COUNT=1: every simulated person sends an X-Forwarded-For address of their own, so
the production per-address limits count each person; without it, `--host` names a server
started that way. Two CPU figures: the median of each answer's
`Server-Timing` CPU (the serving thread's own CPU time, stable on a busy machine) and, with
`--serve`, the gunicorn processes' whole CPU time (/proc) divided by the requests served.
Submitted jobs go to the broker; start a worker beside it to have them run. Seeded accounts
(`loadtest-N@example.invalid`) are kept and reused; use a test or staging database.
"""

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError

LOCUSTFILE = Path(settings.BASE_DIR) / "deploy" / "locustfile.py"
EMAILS = "loadtest-{}@example.invalid"
PASSWORD = "load-test-Secret-42"  # noqa: S105 (throw-away accounts on a test database)
POINTS = 100_000


def seed_accounts(count: int) -> None:
    """`count` verified accounts with plenty of points, one password hash for all (hashing 200
    passwords would take the machine a minute)."""
    from allauth.account.models import EmailAddress

    from billing import ledger
    from billing.models import Lot
    from generation import services
    from webapp.accounts.models import User

    password = make_password(PASSWORD)
    for n in range(count):
        email = EMAILS.format(n)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email)
        user.password = password
        user.is_active = True
        user.save(update_fields=["password", "is_active"])
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"primary": True, "verified": True}
        )
        ledger.grant(user, POINTS * 10, Lot.Source.PROMOTION, f"loadtest:{user.pk}", None, "")
        # A run stopped mid-job leaves jobs in progress that would refuse the next submission.
        services.cancel_all(user)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def process_cpu_ms(pid: int) -> float:
    """CPU time, in ms, of a process, its live descendants and its children that ended (gunicorn
    replaces a worker after max_requests)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for candidate in [pid, *children(pid)]:
        try:
            fields = Path(f"/proc/{candidate}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime, stime; for the process itself also cutime, cstime (its reaped children).
        used = fields[11:15] if candidate == pid else fields[11:13]
        total += sum(map(int, used)) * 1000 / ticks
    return total


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids = (task / "children").read_text().split()
        except OSError:
            continue
        for kid in map(int, kids):
            found += [kid, *children(kid)]
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Command(BaseCommand):
    help = "Seed accounts, run N simulated people with locust, print per-endpoint latency and CPU."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=50)
        parser.add_argument("--spawn-rate", type=float, default=10.0, help="people started per s")
        parser.add_argument("--duration", type=int, default=120, help="seconds")
        parser.add_argument(
            "--cycles", type=int, default=0,
            help="each person stops after this many rounds; the run ends when all have "
            "(--duration then only bounds it)",
        )  # fmt: skip
        parser.add_argument("--host", default="", help="a running server's address")
        parser.add_argument("--serve", action="store_true", help="start gunicorn for the run")
        parser.add_argument("--web-workers", type=int, default=0, help="0: gunicorn.conf.py's")
        parser.add_argument("--web-threads", type=int, default=0, help="0: gunicorn.conf.py's")
        parser.add_argument(
            "--worker-class", default="", help="another gunicorn worker class, to compare (sync)"
        )
        parser.add_argument("--json", default="", help="also write the summary to this file")

    def handle(self, *args, **opts):
        if bool(opts["host"]) == opts["serve"]:
            raise CommandError("give either --host URL or --serve")
        if opts["users"] < 1 or opts["duration"] < 1:
            raise CommandError("--users and --duration must be positive")
        seed_accounts(opts["users"])
        server = None
        host = opts["host"]
        try:
            if opts["serve"]:
                server, host = self.start_server(opts)
            cpu_before = process_cpu_ms(server.pid) if server else None
            started = time.monotonic()
            samples = self.run_locust(host, opts)
            opts["elapsed_s"] = round(time.monotonic() - started, 1)
            cpu_after = process_cpu_ms(server.pid) if server else None
        finally:
            if server is not None:
                server.send_signal(signal.SIGTERM)
                try:
                    server.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
        summary = self.summarise(samples, opts, cpu_before, cpu_after)
        self.print_summary(summary)
        if opts["json"]:
            Path(opts["json"]).write_text(json.dumps(summary, indent=2))

    def start_server(self, opts):
        port = free_port()
        env = {
            **os.environ,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "SERVER_TIMING": "true",
            # Each simulated person sends an address of their own in X-Forwarded-For, so the
            # production per-address limits apply as they would to real visitors.
            "TRUSTED_PROXY_COUNT": "1",
            "DEBUG": "false",
        }
        if opts["web_workers"]:
            env["WEB_WORKERS"] = str(opts["web_workers"])
        if opts["web_threads"]:
            env["WEB_THREADS"] = str(opts["web_threads"])
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "deploy/gunicorn.conf.py",
                *(["-k", opts["worker_class"]] if opts["worker_class"] else []),
                "--access-logfile",
                "/dev/null",
                "webapp.wsgi:application",
            ],
            cwd=settings.BASE_DIR,
            env=env,
        )
        host = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError(f"gunicorn exited with {server.returncode}")
            try:
                urllib.request.urlopen(f"{host}/readyz", timeout=5)  # noqa: S310 (loopback)
                return server, host
            except OSError:
                time.sleep(0.5)
        server.kill()
        raise CommandError("gunicorn did not become ready in 180 s")

    def run_locust(self, host: str, opts) -> dict:
        with tempfile.TemporaryDirectory() as folder:
            output = Path(folder) / "samples.json"
            env = {
                **os.environ,
                "LOADTEST_EMAILS": EMAILS,
                "LOADTEST_PASSWORD": PASSWORD,
                "LOADTEST_OUTPUT": str(output),
                "LOADTEST_CYCLES": str(opts["cycles"]),
                "LOADTEST_USERS": str(opts["users"]),
            }
            command = [
                sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
                "--users", str(opts["users"]), "--spawn-rate", str(opts["spawn_rate"]),
                "--run-time", f"{opts['duration']}s", "--host", host, "--only-summary",
                "--stop-timeout", "30", "--loglevel", "WARNING",
            ]  # fmt: skip
            # Exit status 1 means some requests failed: the summary counts them.
            run = subprocess.run(command, env=env, cwd=folder, timeout=opts["duration"] + 300)
            if not output.exists():
                raise CommandError(f"locust wrote no samples (exit status {run.returncode})")
            return json.loads(output.read_text())

    def summarise(self, samples: dict, opts, cpu_before, cpu_after) -> dict:
        endpoints = {}
        for name, rows in sorted(samples.items()):
            times = [row[0] for row in rows]
            cpus = [row[1] for row in rows if row[1] is not None]
            queries = [row[2] for row in rows if row[2] is not None]
            endpoints[name] = {
                "requests": len(rows),
                "errors": sum(1 for row in rows if row[3]),
                "p50_ms": percentile(times, 0.50),
                "p95_ms": percentile(times, 0.95),
                "p99_ms": percentile(times, 0.99),
                "cpu_ms_median": statistics.median(cpus) if cpus else None,
                "cpu_ms_mean": statistics.fmean(cpus) if cpus else None,
                "queries_median": statistics.median(queries) if queries else None,
                "queries_max": max(queries) if queries else None,
            }
        total = sum(e["requests"] for e in endpoints.values())
        summary = {
            "users": opts["users"],
            "elapsed_s": opts["elapsed_s"],
            "requests": total,
            "errors": sum(e["errors"] for e in endpoints.values()),
            "endpoints": endpoints,
        }
        if cpu_before is not None and total:
            summary["server_cpu_ms_per_request"] = (cpu_after - cpu_before) / total
        return summary

    def print_summary(self, summary: dict) -> None:
        def fmt(value, digits=0):
            return "-" if value is None else f"{value:.{digits}f}"

        self.stdout.write(
            f"{summary['users']} users, {summary['elapsed_s']} s: {summary['requests']} "
            f"requests, {summary['errors']} errors"
        )
        header = ("endpoint", "n", "err", "p50 ms", "p95 ms", "p99 ms", "CPU ms", "queries")
        self.stdout.write("{:<24}{:>7}{:>6}{:>9}{:>9}{:>9}{:>9}{:>9}".format(*header))
        for name, e in summary["endpoints"].items():
            self.stdout.write(
                "{:<24}{:>7}{:>6}{:>9}{:>9}{:>9}{:>9}{:>9}".format(
                    name[:23],
                    e["requests"],
                    e["errors"],
                    fmt(e["p50_ms"]),
                    fmt(e["p95_ms"]),
                    fmt(e["p99_ms"]),
                    fmt(e["cpu_ms_median"], 1),
                    fmt(e["queries_median"]),
                )  # fmt: skip
            )
        if "server_cpu_ms_per_request" in summary:
            self.stdout.write(
                f"gunicorn CPU per request (all processes, /proc): "
                f"{summary['server_cpu_ms_per_request']:.1f} ms"
            )
