"""Two deliveries of one event racing in parallel on PostgreSQL grant once."""

import threading

import pytest
from django.db import connection
from django.test import Client

from billing.checkout import start_checkout
from billing.models import Lot, Pack, WebhookEvent
from tests.fake_stripe import deliver
from tests.test_payments_subscriptions import subscribe

pytestmark = pytest.mark.django_db(transaction=True)


def race(event, deliveries=2):
    """POST the same signed event from several threads at once; returns the answers."""
    barrier = threading.Barrier(deliveries)
    answers = []

    def deliver_one():
        try:
            barrier.wait()
            answers.append(deliver(Client(), event))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver_one) for _ in range(deliveries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_two_racing_deliveries_of_a_pack_payment_grant_once(requires_postgres, alice, stripe_site):
    for _ in range(5):
        checkout = start_checkout(alice, pack=Pack.objects.get(code="points-660"))
        stripe_site.pay_checkout(checkout.session_id)
        event = stripe_site.event("checkout.session.completed", checkout.session_id)

        answers = race(event)

        assert sorted(a.status_code for a in answers) == [200, 200]
        assert sorted(a.content for a in answers) == [b"duplicate", b"processed"]

    lots = Lot.objects.filter(wallet__user=alice, source=Lot.Source.TOPUP)
    assert [lot.amount for lot in lots] == [6600] * 5
    assert WebhookEvent.objects.count() == 5


def test_different_events_for_one_invoice_racing_grant_once(requires_postgres, alice, stripe_site):
    """Not the same event id: invoice.paid and checkout.session.completed for one payment."""
    checkout, _sub_id, invoice_id = subscribe(alice, stripe_site, "pro")
    paid = stripe_site.event("invoice.paid", invoice_id)
    completed = stripe_site.event("checkout.session.completed", checkout.session_id)
    barrier = threading.Barrier(2)
    answers = []

    def send(event):
        try:
            barrier.wait()
            answers.append(deliver(Client(), event))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(e,)) for e in (paid, completed)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(a.status_code for a in answers) == [200, 200]
    lots = Lot.objects.filter(wallet__user=alice, source=Lot.Source.MEMBERSHIP)
    assert [lot.amount for lot in lots] == [30000]
