"""The staff dashboard: jobs per hour by status, queue depth and wait, worker heartbeats, flags by
rule, points granted vs spent, paid points by day."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from billing import fulfilment, ledger, sandbox
from billing.checkout import start_checkout
from billing.models import Lot, Pack, Payment
from generation import services
from generation.models import Job
from generation.moderation.models import BlockedTerm
from tests.conftest import make_user
from tests.staff_helpers import staff_member, submit_job
from webapp.models import WorkerHeartbeat
from webapp.staff import dashboard

pytestmark = pytest.mark.django_db


def test_queue_depth_and_wait_time(alice, bob):
    now = timezone.now()
    waiting = submit_job(alice)
    started = submit_job(bob)
    Job.objects.filter(pk=waiting.pk).update(created_at=now - timedelta(seconds=90))
    Job.objects.filter(pk=started.pk).update(created_at=now - timedelta(seconds=40))
    services.claim(started.pk, "w1")
    Job.objects.filter(pk=started.pk).update(started_at=now - timedelta(seconds=10))

    queue = dashboard.queue_figures(now)

    assert (queue.queued, queue.running, queue.started_last_hour) == (1, 1, 1)
    assert queue.median_wait_s == pytest.approx(30)
    assert queue.oldest_queued_s == pytest.approx(90)


def test_jobs_per_hour_by_status(alice, bob):
    submit_job(alice)
    canceled = submit_job(bob)
    services.cancel(canceled)

    rows = dashboard.jobs_per_hour(timezone.now())

    assert len(rows) == 1
    cells = dict(zip(Job.Status.values, rows[0]["cells"], strict=True))
    assert (cells["queued"], cells["canceled"], rows[0]["total"]) == (1, 1, 2)


def test_flags_by_rule_count_refusals_and_holds():
    BlockedTerm.objects.create(term="zebraquartz", category="violence", action="refuse")
    BlockedTerm.objects.create(term="quokkanite", category="hate", action="review")
    for i in range(2):
        submit_job(make_user(f"r{i}@example.com"), prompt="a zebraquartz statue")
    submit_job(make_user("h@example.com"), prompt="a quokkanite parade")

    rows = {row["rule"]: row for row in dashboard.refusals_by_rule(timezone.now())}

    refused = next(r for rule, r in rows.items() if "zebraquartz" in rule)
    held = next(r for rule, r in rows.items() if "quokkanite" in rule)
    assert refused["counts"] == {"rejected": 2} and refused["layer"] == "blocklist"
    assert held["counts"] == {"pending": 1}


def test_points_granted_vs_spent_and_paid_points(alice):
    now = timezone.now()
    ledger.grant(alice, 1000, Lot.Source.TOPUP, "pay:1", None, "pack")
    ledger.grant(alice, 3000, Lot.Source.MEMBERSHIP, "membership:1:0", now + timedelta(days=20))
    ledger.hold(alice, 100, "job:x1")
    ledger.capture("job:x1")
    ledger.hold(alice, 50, "job:x2")
    ledger.release("job:x2")  # a refund lot would not count as granted; this one returns in place

    today = dashboard.points_by_day(now)[0]
    sales = dashboard.sales_by_day(now)

    assert today["granted_total"] == 4000 and today["spent"] == 100
    assert today["granted"] == {"topup": 1000, "membership": 3000}
    assert {(s["source"], s["n"], s["total"]) for s in sales} == {
        ("topup", 1, 1000),
        ("membership", 1, 3000),
    }


def test_the_page_shows_workers_and_figures_to_staff(client, alice):
    WorkerHeartbeat.objects.create(hostname="gpu-1@box", pid=42, seen_at=timezone.now())
    WorkerHeartbeat.objects.create(
        hostname="gpu-2@box", pid=43, seen_at=timezone.now() - timedelta(minutes=10)
    )
    submit_job(alice)
    client.force_login(staff_member("support@example.com", "Support"))

    page = client.get(reverse("staff:dashboard")).content.decode()

    assert "gpu-1@box" in page and "gpu-2@box" in page
    assert page.count(">alive<") == 1 and page.count(">silent<") == 1
    assert 'data-testid="queue-depth">1<' in page


def test_revenue_by_day_counts_payments_net_of_refunds_and_shows_on_the_user_page(
    client, settings, alice
):
    settings.STRIPE_SECRET_KEY = ""
    settings.PAYMENTS_SANDBOX = True
    pack = Pack.objects.get(code="points-660")
    payment_lot = sandbox.pay(start_checkout(alice, pack=pack))
    payment = Payment.objects.get(lot=payment_lot)
    fulfilment.record_refund(payment, 100)

    [row] = dashboard.revenue_by_day(timezone.now())

    assert (row["provider"], row["n"], row["total"]) == ("sandbox", 1, pack.price - 100)
    client.force_login(staff_member("support@example.com", "Support"))
    page = client.get(reverse("staff:user", args=[alice.pk])).content.decode()
    assert page.count('data-testid="user-payment"') == 1 and payment.ref in page
