"""Real threads, real row locks (PostgreSQL): the ledger never overdraws and never deadlocks."""

import threading

from django.db import connection

from billing import ledger
from billing.models import Entry, Hold, Lot
from tests.conftest import make_user

THREADS = 50
PRICE = 100  # 10 points


def run_in_threads(count: int, work) -> list:
    """Start `count` threads together; each runs work(i) and closes its own DB connection."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as error:  # noqa: BLE001 - every outcome is reported to the test
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung (deadlock?)"
    return results


def test_50_parallel_holds_on_a_wallet_that_affords_10_succeed_exactly_10_times(
    transactional_db, requires_postgres
):
    user = make_user("racer@example.com")
    ledger.grant(user, 10 * PRICE, Lot.Source.TOPUP, "pay:race", None)

    results = run_in_threads(THREADS, lambda i: ledger.hold(user, PRICE, f"job:race-{i}"))

    held = [r for r in results if isinstance(r, Hold)]
    refused = [r for r in results if isinstance(r, ledger.NotEnoughPoints)]
    others = [r for r in results if not isinstance(r, Hold | ledger.NotEnoughPoints)]
    assert others == []
    assert len(held) == 10
    assert len(refused) == 40
    assert {str(r) for r in refused} == {"not enough points: need 10, have 0"}
    assert ledger.balance(user) == 0
    assert Entry.objects.filter(kind=Entry.Kind.HOLD).count() == 10
    assert ledger.audit_wallet(user).ok


def test_parallel_captures_and_releases_of_one_hold_settle_it_once(
    transactional_db, requires_postgres
):
    user = make_user("settler@example.com")
    ledger.grant(user, 1000, Lot.Source.TOPUP, "pay:settle", None)
    ledger.hold(user, PRICE, "job:settle")

    results = run_in_threads(
        20, lambda i: (ledger.capture if i % 2 else ledger.release)("job:settle")
    )

    status = Hold.objects.get(ref="job:settle").status
    settled = [r for r in results if isinstance(r, Hold)]
    refused = [r for r in results if isinstance(r, ledger.HoldAlreadySettled)]
    assert len(settled) + len(refused) == 20
    assert len(settled) == 10  # every call of the winning kind succeeds, idempotently
    assert Entry.objects.filter(kind__in=["capture", "release"]).count() == 1
    expected = 900 if status == Hold.Status.CAPTURED else 1000
    assert ledger.balance(user) == expected
    assert ledger.audit_wallet(user).ok
