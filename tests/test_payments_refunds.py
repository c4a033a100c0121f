"""A refund takes back the unspent points that payment bought: never more, never below zero,
never twice."""

import pytest

from billing import ledger
from billing.checkout import start_checkout
from billing.models import Entry, Lot, Pack, Payment, WebhookEvent
from tests.fake_stripe import deliver
from tests.test_payments_subscriptions import membership_points, subscribe


def bought_pack(client, user, fake, code="points-660"):
    checkout = start_checkout(user, pack=Pack.objects.get(code=code))
    session = fake.pay_checkout(checkout.session_id)
    deliver(client, fake.event("checkout.session.completed", checkout.session_id))
    return fake.charge_of(session["payment_intent"])


def topup_lot(user) -> Lot:
    return Lot.objects.get(wallet__user=user, source=Lot.Source.TOPUP)


def test_a_refund_after_some_points_were_spent_takes_back_only_what_is_left(
    client, alice, stripe_site
):
    charge = bought_pack(client, alice, stripe_site)  # 660 points
    ledger.hold(alice, 4000, "job:1", "videos")
    ledger.capture("job:1")  # 400 spent

    stripe_site.refund(charge, 6600)
    deliver(client, stripe_site.event("charge.refunded", charge))

    assert topup_lot(alice).remaining == 0
    assert ledger.balance(alice) == 0
    clawback = Entry.objects.get(kind=Entry.Kind.CLAWBACK)
    assert clawback.amount == -2600 and clawback.balance_after == 0
    assert "refund" in clawback.reason
    assert Payment.objects.get(kind="pack").amount_refunded == 6600


def test_a_partial_refund_takes_back_its_share_and_a_replay_nothing_more(
    client, alice, stripe_site
):
    charge = bought_pack(client, alice, stripe_site, "points-1320")  # 1320 points for 132.00

    stripe_site.refund(charge, 3300)  # a quarter
    event = stripe_site.event("charge.refunded", charge)
    for _ in range(3):
        deliver(client, event)
    deliver(client, stripe_site.event("charge.refunded", charge))  # a new event, same state

    assert topup_lot(alice).remaining == 13200 - 3300

    stripe_site.refund(charge, 3300)  # another quarter
    deliver(client, stripe_site.event("charge.refunded", charge))
    assert topup_lot(alice).remaining == 13200 - 6600


def test_held_points_are_not_taken_and_the_balance_never_goes_negative(client, alice, stripe_site):
    charge = bought_pack(client, alice, stripe_site)
    ledger.hold(alice, 6000, "job:2", "a long video")  # in progress

    stripe_site.refund(charge, 6600)
    deliver(client, stripe_site.event("charge.refunded", charge))

    assert ledger.balance(alice) == 0
    assert topup_lot(alice).remaining == 0
    assert -Entry.objects.get(kind=Entry.Kind.CLAWBACK).amount == 600


def test_a_refunded_membership_invoice_takes_back_that_months_unspent_points(
    client, alice, stripe_site
):
    checkout, sub_id, invoice_id = subscribe(alice, stripe_site, "standard")
    deliver(client, stripe_site.event("checkout.session.completed", checkout.session_id))
    ledger.hold(alice, 1000, "job:3", "a video")
    intent = Payment.objects.get(ref=invoice_id).payment_intent_id
    charge = stripe_site.charge_of(intent)

    stripe_site.refund(charge, stripe_site.get(charge)["amount"])
    deliver(client, stripe_site.event("charge.refunded", charge))

    lot = Lot.objects.get(source=Lot.Source.MEMBERSHIP)
    assert membership_points(alice) == [6600]
    assert lot.remaining == 0


def test_a_refund_of_an_unknown_charge_is_ignored(client, alice, stripe_site):
    bought_pack(client, alice, stripe_site)
    stranger = stripe_site._charge("pi_elsewhere", "cus_other", 1000, "cny")

    answer = deliver(client, stripe_site.event("charge.refunded", stranger["id"]))

    assert answer.status_code == 200 and answer.content == b"ignored"
    assert topup_lot(alice).remaining == 6600


# --- a refund that arrives before the purchase is recorded is kept, never dropped -------------


def paid_pack_events(user, fake, code="points-660", refunded=None):
    """A pack paid at Stripe and refunded there (all of it, or `refunded`), before the site
    heard of either: the two events, not delivered yet."""
    checkout = start_checkout(user, pack=Pack.objects.get(code=code))
    session = fake.pay_checkout(checkout.session_id)
    charge = fake.charge_of(session["payment_intent"])
    fake.refund(charge, fake.get(charge)["amount"] if refunded is None else refunded)
    return {
        "completed": fake.event("checkout.session.completed", checkout.session_id),
        "refund": fake.event("charge.refunded", charge),
    }


def test_a_refund_before_the_purchase_is_kept_pending_not_ignored(client, alice, stripe_site):
    events = paid_pack_events(alice, stripe_site)

    answer = deliver(client, events["refund"])

    assert answer.status_code == 200 and answer.content == b"pending"
    kept = WebhookEvent.objects.get(event_id=events["refund"]["id"])
    assert kept.outcome == WebhookEvent.Outcome.PENDING
    assert kept.waits_for.startswith("pi_")


def test_a_pack_refunded_before_its_purchase_is_recorded_grants_no_points(
    client, alice, stripe_site
):
    events = paid_pack_events(alice, stripe_site)

    deliver(client, events["refund"])
    deliver(client, events["completed"])
    deliver(client, events["completed"])  # a replay changes nothing

    assert not Lot.objects.filter(wallet__user=alice).exists()
    assert ledger.balance(alice) == 0
    payment = Payment.objects.get(kind="pack")
    assert payment.amount_refunded == payment.amount and payment.lot is None
    kept = WebhookEvent.objects.get(event_id=events["refund"]["id"])
    assert kept.outcome == WebhookEvent.Outcome.PROCESSED


@pytest.mark.parametrize(
    "order",
    [("refund", "completed"), ("completed", "refund"), ("refund", "completed", "refund")],
    ids="-then-".join,
)
def test_a_fully_refunded_pack_leaves_no_points_whatever_the_order_of_events(
    client, alice, stripe_site, order
):
    events = paid_pack_events(alice, stripe_site)

    answers = [deliver(client, events[name]) for name in order]

    assert {a.status_code for a in answers} == {200}
    assert ledger.balance(alice) == 0
    assert Payment.objects.get(kind="pack").amount_refunded == 6600
    assert not WebhookEvent.objects.filter(outcome=WebhookEvent.Outcome.PENDING).exists()


def test_a_partial_refund_before_the_purchase_grants_only_the_unrefunded_share(
    client, alice, stripe_site
):
    events = paid_pack_events(alice, stripe_site, "points-1320", refunded=3300)  # a quarter

    deliver(client, events["refund"])
    deliver(client, events["completed"])

    assert topup_lot(alice).remaining == 13200 - 3300
    assert ledger.balance(alice) == 13200 - 3300


@pytest.mark.parametrize(
    "order",
    [
        ("refund", "invoice", "completed"),
        ("refund", "completed", "invoice"),
        ("invoice", "refund", "completed"),
        ("completed", "refund", "invoice"),
    ],
    ids="-then-".join,
)
def test_a_refunded_first_membership_invoice_leaves_no_points_whatever_the_order(
    client, alice, stripe_site, order
):
    checkout, _sub_id, invoice_id = subscribe(alice, stripe_site, "standard")
    intent = stripe_site.get(invoice_id)["payments"]["data"][0]["payment"]["payment_intent"]
    charge = stripe_site.charge_of(intent)
    stripe_site.refund(charge, stripe_site.get(charge)["amount"])
    events = {
        "refund": stripe_site.event("charge.refunded", charge),
        "invoice": stripe_site.event("invoice.paid", invoice_id),
        "completed": stripe_site.event("checkout.session.completed", checkout.session_id),
    }

    answers = [deliver(client, events[name]) for name in order]

    assert {a.status_code for a in answers} == {200}
    assert ledger.balance(alice) == 0
    payment = Payment.objects.get(ref=invoice_id)
    assert payment.amount_refunded == payment.amount
    if order[0] == "refund":
        assert membership_points(alice) == []  # never granted
    assert not WebhookEvent.objects.filter(outcome=WebhookEvent.Outcome.PENDING).exists()
