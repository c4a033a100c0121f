"""Parallel API creates on PostgreSQL: one Idempotency-Key holds once, and a wallet that affords
ten jobs makes exactly ten, however many arrive together."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from billing import ledger
from billing.middleware import grant_points_due
from billing.models import Hold, Lot, Membership, Tier
from generation.models import Job
from tests.api_helpers import api_client, token_for
from tests.conftest import make_user
from tests.gen_helpers import t2v_data

PARALLEL = 50
PRICE = 100  # tenths: a 5-second standard video


@pytest.fixture
def busy_member(requires_postgres, transactional_db, settings):
    """A member whose plan runs many jobs at once, with no submission rate limit: only the
    wallet and the idempotency key decide."""
    settings.JOB_SUBMIT_RATE = ""
    settings.MODERATION_SEMANTIC = False  # the blocklist still runs; the model is not the point
    user = make_user("studio@example.com", verified=False)  # no daily points
    tier = Tier.objects.create(
        code="api-bulk", name="Bulk", rank=90, monthly_points=1, max_concurrent_jobs=100
    )
    now = timezone.now()
    Membership.objects.create(
        user=user, tier=tier, starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=20)
    )
    grant_points_due(user)  # this month's points now, not during the race
    return user


def top_up_to(user, tenths: int) -> None:
    missing = tenths - ledger.balance(user)
    assert missing > 0
    ledger.grant(user, missing, Lot.Source.PROMOTION, f"test:{user.pk}", None, "test points")


def in_parallel(call, count=PARALLEL) -> list:
    """Run `call()` in `count` threads released together; each thread has its own connection."""
    start = threading.Barrier(count)
    results = [None] * count

    def run(i):
        try:
            start.wait()
            results[i] = call()
        except Exception as exc:  # surfaced by the assertion on results
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_fifty_parallel_creates_with_one_idempotency_key_hold_once(busy_member):
    top_up_to(busy_member, 50 * PRICE)
    before = ledger.balance(busy_member)
    raw = token_for(busy_member)

    def create():
        response = api_client(raw).post("/api/v1/jobs", t2v_data(), HTTP_IDEMPOTENCY_KEY="once")
        return response.status_code, response.json()

    results = in_parallel(create)
    statuses = sorted(status for status, _body in results)
    assert statuses == [200] * (PARALLEL - 1) + [201], results
    assert len({body["id"] for _status, body in results}) == 1
    assert Job.objects.filter(user=busy_member).count() == 1
    assert Hold.objects.filter(wallet__user=busy_member).count() == 1
    assert ledger.balance(busy_member) == before - PRICE


def test_fifty_parallel_creates_on_a_wallet_affording_ten_create_exactly_ten(busy_member):
    top_up_to(busy_member, 10 * PRICE + PRICE // 2)
    raw = token_for(busy_member)

    def create():
        response = api_client(raw).post("/api/v1/jobs", t2v_data())
        return response.status_code, response.json()

    results = in_parallel(create)
    statuses = [status for status, _body in results]
    assert statuses.count(201) == 10, results
    assert statuses.count(402) == PARALLEL - 10, results
    assert {body["code"] for status, body in results if status == 402} == {"insufficient_points"}
    assert Job.objects.filter(user=busy_member).count() == 10
    assert Hold.objects.filter(wallet__user=busy_member, status="held").count() == 10
    assert ledger.balance(busy_member) == PRICE // 2
