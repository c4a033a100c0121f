"""With no Stripe keys, a local page clearly marked as a test payment stands in for Stripe's
checkout and fulfils through the same functions the webhooks call."""

from datetime import timedelta

import pytest

from billing import sandbox
from billing.entitlements import entitlements
from billing.models import CheckoutSession, Lot, Pack, Payment, Plan, Subscription
from tests.conftest import tier


@pytest.fixture
def sandbox_site(settings, db):
    settings.STRIPE_SECRET_KEY = ""
    settings.PAYMENTS_SANDBOX = True
    for code in ("standard", "pro", "premier"):
        tier(code)


def lots(user, source):
    return [lot.amount for lot in Lot.objects.filter(wallet__user=user, source=source)]


def test_buying_a_pack_goes_to_the_marked_test_page_and_pays_once(client, alice, sandbox_site):
    client.force_login(alice)
    pack = Pack.objects.get(code="points-3300")

    answer = client.post(f"/billing/buy/pack/{pack.pk}/")
    checkout = CheckoutSession.objects.get(user=alice)
    assert answer["Location"] == f"/billing/sandbox/{checkout.session_id}/"
    page = client.get(answer["Location"]).content.decode()
    assert "Test payment — no card is charged." in page
    assert (
        "Waiting for confirmation"
        in client.get(f"/billing/checkout/{checkout.pk}/").content.decode()
    )
    assert lots(alice, Lot.Source.TOPUP) == []

    done = client.post(answer["Location"], {"pay": "1"}, follow=True).content.decode()
    client.post(answer["Location"], {"pay": "1"})  # pressed twice

    assert "Payment received, points added." in done
    assert lots(alice, Lot.Source.TOPUP) == [35000]  # 3300 + 200 bonus
    assert Payment.objects.get(user=alice).provider == "sandbox"


def test_leaving_the_test_page_charges_nothing(client, alice, sandbox_site):
    client.force_login(alice)
    client.post(f"/billing/buy/pack/{Pack.objects.get(code='points-330').pk}/")
    checkout = CheckoutSession.objects.get(user=alice)

    page = client.post(f"/billing/sandbox/{checkout.session_id}/", {"cancel": "1"}, follow=True)

    assert "Nothing was charged" in page.content.decode()
    assert lots(alice, Lot.Source.TOPUP) == []


def test_a_sandbox_membership_gives_the_tier_and_renews_or_ends_like_stripe(
    client, alice, sandbox_site
):
    client.force_login(alice)
    plan = Plan.objects.get(tier__code="standard", period="monthly")
    client.post(f"/billing/buy/plan/{plan.pk}/")
    checkout = CheckoutSession.objects.get(user=alice)
    client.post(f"/billing/sandbox/{checkout.session_id}/", {"pay": "1"})

    sub = Subscription.objects.get(user=alice)
    assert entitlements(alice).tier.code == "standard"
    assert lots(alice, Lot.Source.MEMBERSHIP) == [6600]
    assert Payment.objects.get(subscription=sub).amount == plan.price // 2  # first month half

    renewed_at = sub.current_period_end + timedelta(minutes=1)
    assert sandbox.renew_due(renewed_at) == 1
    assert sandbox.renew_due(renewed_at) == 0
    sub.refresh_from_db()
    assert Payment.objects.filter(subscription=sub).count() == 2
    assert lots(alice, Lot.Source.MEMBERSHIP) == [6600, 6600]
    assert entitlements(alice, renewed_at).tier.code == "standard"

    sandbox.cancel(sub)
    ended_at = sub.current_period_end + timedelta(minutes=1)
    sandbox.renew_due(ended_at)
    sub.refresh_from_db()
    assert sub.status == "canceled"
    assert entitlements(alice, ended_at).tier is None


def test_another_user_cannot_open_or_pay_a_test_checkout(client, alice, bob, sandbox_site):
    client.force_login(alice)
    client.post(f"/billing/buy/pack/{Pack.objects.get(code='points-330').pk}/")
    checkout = CheckoutSession.objects.get(user=alice)
    client.force_login(bob)

    assert client.get(f"/billing/sandbox/{checkout.session_id}/").status_code == 404
    assert client.post(f"/billing/sandbox/{checkout.session_id}/", {"pay": "1"}).status_code == 404
    assert lots(alice, Lot.Source.TOPUP) == []


def test_without_keys_and_without_the_sandbox_nothing_is_sold(client, settings, alice, db):
    settings.STRIPE_SECRET_KEY = ""
    settings.PAYMENTS_SANDBOX = False
    client.force_login(alice)

    page = client.post(
        f"/billing/buy/pack/{Pack.objects.get(code='points-330').pk}/", follow=True
    ).content.decode()

    assert "Online payment is not set up" in page
    assert not CheckoutSession.objects.exists()
    assert client.get("/billing/sandbox/sbx_cs_x/").status_code == 404


def test_the_pricing_page_shows_terms_with_savings_and_packs(client, sandbox_site):
    page = client.get("/pricing/?term=annual").content.decode()
    assert "Save 20% against monthly" in page
    assert 'data-testid="pack-points-3300"' in page and "+200 bonus points" in page
    monthly = client.get("/pricing/").content.decode()
    assert "50% off your first term" in monthly
    assert "¥66.00" in monthly
    assert "Log in to buy" in monthly and "/billing/buy/" not in monthly  # anonymous visitor


def test_the_default_catalogue_is_seeded(db):
    from django.core.management import call_command

    call_command("seed_catalogue", stdout=open("/dev/null", "w"))  # noqa: SIM115
    plans = Plan.objects.filter(period="monthly").select_related("tier")
    assert {p.tier.code: p.tier.monthly_points for p in plans} == {
        "standard": 6600,
        "pro": 30000,
        "premier": 80000,
    }
    assert Plan.objects.count() == 12
    packs = {p.code: (p.points, p.bonus_points) for p in Pack.objects.all()}
    assert packs == {
        "points-330": (3300, 0),
        "points-660": (6600, 0),
        "points-1320": (13200, 0),
        "points-3300": (33000, 2000),
    }


def test_a_second_membership_checkout_expires_the_first_so_only_one_is_charged(
    client, alice, sandbox_site
):
    client.force_login(alice)
    plans = Plan.objects.filter(period="monthly", tier__code__in=["standard", "pro"])
    for plan in plans:
        client.post(f"/billing/buy/plan/{plan.pk}/")  # two tabs, both opened before either is paid
    first, second = CheckoutSession.objects.filter(user=alice).order_by("pk")
    first.refresh_from_db()
    assert first.status == "expired"  # the older tab can no longer be paid

    client.post(f"/billing/sandbox/{first.session_id}/", {"pay": "1"})
    client.post(f"/billing/sandbox/{second.session_id}/", {"pay": "1"})

    second.refresh_from_db()
    assert second.status == "complete"
    assert Subscription.objects.filter(user=alice).count() == 1
    assert Payment.objects.filter(user=alice).count() == 1


def test_a_membership_checkout_while_one_is_live_is_refused_with_a_clear_message(
    client, alice, sandbox_site
):
    client.force_login(alice)
    standard, pro = Plan.objects.filter(period="monthly", tier__code__in=["standard", "pro"])
    client.post(f"/billing/buy/plan/{standard.pk}/")
    client.post(f"/billing/sandbox/{CheckoutSession.objects.get().session_id}/", {"pay": "1"})

    answer = client.post(f"/billing/buy/plan/{pro.pk}/", follow=True)

    assert "change your plan on your billing page" in answer.content.decode()
    assert answer.redirect_chain[-1][0] == "/billing/"  # where the plan can be changed
    assert CheckoutSession.objects.count() == 1
    assert Subscription.objects.filter(user=alice).count() == 1
