"""The load test command, small: three people each do one full round against a real gunicorn on
the test database, and every endpoint reports its latency, CPU and queries."""

import json

import pytest
import redis
from django.core.management import call_command
from django.db import connection

from generation.models import Job

# A broker database no test worker reads: the submitted jobs only wait there, and are dropped.
LOAD_TEST_BROKER_DB = 13
ENDPOINTS = (
    "GET login",
    "POST login",
    "GET create",
    "POST create (submit)",
    "GET job",
    "GET job status",
    "GET works",
    "POST cancel",
)


@pytest.mark.django_db(transaction=True)
def test_three_people_go_round_once_with_cpu_and_queries_per_endpoint(
    requires_postgres, requires_redis_broker, settings, monkeypatch, tmp_path
):
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    monkeypatch.setenv(
        "DATABASE_URL",
        f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    )
    broker = f"{settings.CELERY_BROKER_URL.rsplit('/', 1)[0]}/{LOAD_TEST_BROKER_DB}"
    monkeypatch.setenv("CELERY_BROKER_URL", broker)
    monkeypatch.setenv("LOADTEST_POLLS", "2")
    monkeypatch.setenv("LOADTEST_POLL_SECONDS", "0.5")
    summary_file = tmp_path / "summary.json"
    try:
        call_command(
            "load_test",
            users=3,
            spawn_rate=3,
            cycles=1,
            duration=240,  # an upper bound: the run ends when the three are done
            serve=True,
            json=str(summary_file),
        )
    finally:
        redis.Redis.from_url(broker).flushdb()
    summary = json.loads(summary_file.read_text())
    assert summary["errors"] == 0
    endpoints = summary["endpoints"]
    assert set(endpoints) == set(ENDPOINTS)
    for name in ("GET login", "POST login", "GET create", "POST create (submit)", "GET works"):
        assert endpoints[name]["requests"] == 3, name
    assert endpoints["GET job status"]["requests"] == 6
    for name, figures in endpoints.items():
        assert figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"]
        assert figures["cpu_ms_median"] > 0, name
        assert figures["queries_median"] is not None, name
    # A log-in checks a password (PBKDF2): far more CPU than a status poll.
    assert (
        endpoints["POST login"]["cpu_ms_median"] > 5 * endpoints["GET job status"]["cpu_ms_median"]
    )
    assert summary["server_cpu_ms_per_request"] > 0
    jobs = Job.objects.filter(user__email__startswith="loadtest-")
    assert jobs.count() == 3
    assert set(jobs.values_list("status", flat=True)) == {Job.Status.CANCELED}
