"""Shared fixtures: personas, service requirements, a real Celery worker process, a real browser."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM is still used synchronously.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Payment tests' fixtures: a local fake Stripe API server and the site configured to use it.
from tests.fake_stripe import fake_stripe_server, stripe_site  # noqa: E402, F401

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a-long-Secret-42"


def require_service(available: bool, reason: str) -> None:
    """Skip with a visible reason on a laptop; fail in CI, where every service must be present."""
    if available:
        return
    if os.environ.get("REQUIRE_SERVICES"):
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


@pytest.fixture
def requires_postgres(db):
    from django.db import connection

    require_service(connection.vendor == "postgresql", "needs PostgreSQL: set DATABASE_URL")


@pytest.fixture
def requires_redis_broker(settings):
    require_service(
        settings.CELERY_BROKER_URL.startswith("redis://"), "needs Redis: set CELERY_BROKER_URL"
    )


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate-limit counters live in the cache; each test starts with none.
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def every_wallet_balances(request):
    """After every test that used the database: each wallet's cached balance equals the sum of
    its ledger entries and of its lots' remainders."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (
        "transactional_db" in request.fixturenames
        or "live_server" in request.fixturenames
        or (marker is not None and marker.kwargs.get("transaction", False))
    )
    if transactional:
        request.getfixturevalue("transactional_db")
    elif marker is not None or "db" in request.fixturenames:
        request.getfixturevalue("db")
    else:
        yield
        return
    yield
    from billing import ledger
    from billing.models import Wallet

    for wallet in Wallet.objects.select_related("user"):
        audit = ledger.audit_wallet(wallet.user)
        assert audit.ok, f"{wallet.user}: {audit}"


def make_user(email: str, *, verified: bool = True, password: str = PASSWORD, **extra):
    from allauth.account.models import EmailAddress

    from webapp.accounts.models import User

    user = User.objects.create_user(email=email, password=password, **extra)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=verified)
    return user


def tier(code: str):
    """A seeded tier; transactional tests flush the data migration's rows, so seed it again."""
    import importlib

    from billing.models import Tier

    seeded = importlib.import_module("billing.migrations.0002_seed_tiers").TIERS
    fields = next(t for t in seeded if t["code"] == code)
    return Tier.objects.get_or_create(code=code, defaults=fields)[0]


def subscribe(user, code: str):
    """`user` on the seeded plan `code` (standard, pro...), from yesterday for 30 days."""
    from datetime import timedelta

    from django.utils import timezone

    from billing.models import Membership

    now = timezone.now()
    return Membership.objects.create(
        user=user,
        tier=tier(code),
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=29),
    )


@pytest.fixture
def alice(db):
    """Owns things."""
    return make_user("alice@example.com")


def signed_in(client, user, plan: str | None = None, points: int = 100):
    """`user` signed in (on the seeded `plan` from yesterday, when given), about to submit: the
    day's daily points already granted (the first request of the day grants them, so they do not
    land inside a measurement) and `points` more."""
    from django.urls import reverse

    from tests.gen_helpers import give_points

    if plan:
        subscribe(user, plan)
    client.force_login(user)
    client.get(reverse("generation:create"))
    give_points(user, points)
    return user


@pytest.fixture
def user(client, alice):
    """Alice signed in, about to submit, with 100 points more than the day's."""
    return signed_in(client, alice)


@pytest.fixture
def bob(db):
    """Another user: must never see alice's things."""
    return make_user("bob@example.com")


# --- a real Celery worker process -----------------------------------------------------------


def database_url_for_subprocess() -> str:
    """The URL of the database this test session really uses (the test database)."""
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(s['NAME']).resolve()}"
    auth = quote(s["USER"] or "")
    if s["PASSWORD"]:
        auth += ":" + quote(s["PASSWORD"])
    return f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"


def subprocess_env(**overrides) -> dict:
    env = dict(os.environ)
    env["DATABASE_URL"] = database_url_for_subprocess()
    env.update(overrides)
    return env


class WorkerProcess:
    def __init__(self, proc: subprocess.Popen, log_path: Path, hostname: str):
        self.proc = proc
        self.log_path = log_path
        self.hostname = hostname

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


WORKER_QUEUES = "gpu-priority,gpu,celery"


def start_worker(tmp_path: Path, queues: str = WORKER_QUEUES, env=None) -> WorkerProcess:
    from webapp.celery import app

    app.control.purge()  # leftovers of an earlier run must not reach this worker
    hostname = f"test-{uuid.uuid4().hex[:8]}@%h"
    log_path = tmp_path / f"worker-{uuid.uuid4().hex[:6]}.log"
    log = open(log_path, "w")  # noqa: SIM115 - the process writes to it until it ends
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "webapp",
            "worker",
            "--loglevel=INFO",
            "--pool=prefork",
            "--concurrency=1",
            "-Q",
            queues,
            f"--hostname={hostname}",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=subprocess_env(**(env or {})),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    worker = WorkerProcess(proc, log_path, hostname)
    # Ends as soon as the worker says it is ready; the bound only matters on a busy CI host,
    # where importing the project and forking the pool is several times slower.
    deadline = time.monotonic() + 300
    while " ready." not in worker.log():
        if proc.poll() is not None:
            raise RuntimeError(f"celery worker exited early:\n{worker.log()}")
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"celery worker did not become ready:\n{worker.log()}")
        time.sleep(0.1)
    return worker


def stop_worker(worker: WorkerProcess) -> None:
    if worker.proc.poll() is None:
        worker.proc.terminate()
        try:
            worker.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.proc.kill()
            worker.proc.wait()


def module_worker(**env: str):
    """A module's fixture `worker`: one real `celery worker` process for the module's tests,
    heartbeats every second, with `env` on top (e.g. GENERATION_STEPS: the path through the
    worker is under test, not the denoising)."""

    @pytest.fixture(scope="module")
    def worker(django_db_setup, django_db_blocker, tmp_path_factory):
        with django_db_blocker.unblock():
            process = start_worker(
                tmp_path_factory.mktemp("worker"), env={"JOB_HEARTBEAT_SECONDS": "1", **env}
            )
        yield process
        stop_worker(process)

    return worker


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """A real `celery worker` process on the configured broker, using the test database."""
    worker = start_worker(tmp_path)
    yield worker
    stop_worker(worker)


def wait_for(predicate, timeout: float = 30, interval: float = 0.1, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


# --- a real browser -------------------------------------------------------------------------

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# How long a browser action or assertion waits for the page: each ends as soon as its event
# happens, so a generous bound costs nothing on an idle machine and holds on a busy CI host.
BROWSER_WAIT_MS = 30_000


@pytest.fixture
def page(browser, live_server):
    from playwright.sync_api import expect

    expect.set_options(timeout=BROWSER_WAIT_MS)
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(BROWSER_WAIT_MS)
    yield page
    context.close()


def log_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
