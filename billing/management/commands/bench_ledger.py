"""Throughput of hold + capture (one job's worth of ledger work) with N concurrent clients.

    python manage.py bench_ledger --clients 1 --clients 8 --seconds 10 --repeat 3

Each client is a separate process (no shared GIL, one database connection each), as web and
worker processes are in production. Two layouts per client count: every client on its own wallet
(different users submitting jobs) and all clients on one wallet (the worst case: every call waits
for the same row lock). The bench users and their ledgers are deleted afterwards.
"""

import multiprocessing
import statistics
import time
import uuid

from django.core.management.base import BaseCommand

HOLD = 100  # one 5-second standard video


def run_client(user_id: int, run_id: str, client: int, barrier, seconds: float, results):
    """One client process: hold + capture in a loop until the time is up."""
    import django

    django.setup()
    from django.db import connection

    from billing import ledger
    from webapp.accounts.models import User

    user = User.objects.get(pk=user_id)
    latencies = []
    barrier.wait()
    deadline = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < deadline:
        ref = f"bench:{run_id}:{client}:{i}"
        started = time.perf_counter()
        ledger.hold(user, HOLD, ref)
        ledger.capture(ref)
        latencies.append(time.perf_counter() - started)
        i += 1
    connection.close()
    results.put(latencies)


class Command(BaseCommand):
    help = "Measure ledger hold+capture throughput with 1..N concurrent client processes."

    def add_arguments(self, parser):
        parser.add_argument(
            "--clients", type=int, action="append", help="repeatable; default 1 and 8"
        )
        parser.add_argument("--seconds", type=float, default=10.0)
        parser.add_argument(
            "--repeat", type=int, default=1, help="runs per layout; the median run is shown"
        )

    def handle(self, *args, **options):
        from django.db import connection

        clients = options["clients"] or [1, 8]
        seconds = options["seconds"]
        repeat = max(1, options["repeat"])
        self.stdout.write(
            f"database: {connection.vendor} {connection.settings_dict['NAME']}; "
            f"{seconds:g} s per run, median of {repeat}; one hold+capture = 2 transactions"
        )
        self.stdout.write(
            f"{'clients':>7}  {'wallets':<8} {'pairs/s':>8} {'p50 ms':>7} {'p95 ms':>7}"
        )
        for count in clients:
            for shared in (False, True):
                if count == 1 and shared:
                    continue
                runs = sorted(self.run(count, shared, seconds) for _ in range(repeat))
                pairs, p50, p95 = runs[len(runs) // 2]
                layout = "1 shared" if shared else "own"
                self.stdout.write(
                    f"{count:>7}  {layout:<8} {pairs / seconds:>8.0f} {p50:>7.1f} {p95:>7.1f}"
                )

    def run(self, count: int, shared: bool, seconds: float):
        from django.db import connection

        from billing import ledger
        from billing.models import Lot
        from webapp.accounts.models import User

        run_id = uuid.uuid4().hex[:8]
        users = []
        for i in range(1 if shared else count):
            user = User.objects.create_user(email=f"bench-{run_id}-{i}@bench.invalid")
            ledger.grant(user, 10**12, Lot.Source.PROMOTION, f"bench:{run_id}:{i}", None, "bench")
            users.append(user)
        connection.close()
        spawn = multiprocessing.get_context("spawn")
        barrier = spawn.Barrier(count)
        results = spawn.Queue()
        processes = [
            spawn.Process(
                target=run_client,
                args=(users[0 if shared else i].pk, run_id, i, barrier, seconds, results),
            )
            for i in range(count)
        ]
        try:
            for process in processes:
                process.start()
            latencies = [lat for _ in processes for lat in results.get(timeout=seconds + 120)]
            for process in processes:
                process.join()
            for user in users:
                if not ledger.audit_wallet(user).ok:
                    raise RuntimeError(f"wallet of {user} does not balance after the run")
        finally:
            for process in processes:
                if process.is_alive():
                    process.kill()
            User.objects.filter(pk__in=[u.pk for u in users]).delete()
        latencies.sort()
        p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))]
        return len(latencies), statistics.median(latencies) * 1000, p95 * 1000
