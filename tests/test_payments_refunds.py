"""A refund takes back the unspent points that payment bought: never more, never below zero,
never twice."""

from billing import ledger
from billing.checkout import start_checkout
from billing.models import Entry, Lot, Pack, Payment
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
