"""Case 1 on a site that already has the damage: migration 0006 adds "one live subscription per
user" to a database that holds two for one user. It must not fail; it keeps the first, records
the later one as an ended duplicate, and the refund command gives its money back once."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BILLING_BEFORE = ("billing", "0005_webhook_events_wait_for_their_payment")


def migrate_billing_back():
    """Billing back to before 0006; every other app at its latest migration that does not need a
    later billing one (generation's effects catalogue refers to a billing tier of 0008)."""
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    later_billing = {n for n in graph.nodes if n[0] == "billing" and n[1] > BILLING_BEFORE[1]}
    targets = [BILLING_BEFORE]
    for leaf in graph.leaf_nodes():
        if leaf[0] == "billing":
            continue
        node = leaf
        while node is not None and later_billing & set(graph.forwards_plan(node)):
            parents = [p for p in graph.node_map[node].parents if p[0] == leaf[0]]
            node = parents[0] if parents else None
        targets.append(node or (leaf[0], None))
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def billing_migrated_back():
    """Billing before 0006; every app at its latest again afterwards, whatever happened."""
    yield migrate_billing_back()
    call_command("migrate", verbosity=0)


def test_the_constraint_migration_ends_an_existing_duplicate_instead_of_failing(
    capsys, billing_migrated_back
):
    apps = billing_migrated_back
    User = apps.get_model("accounts", "User")
    Plan = apps.get_model("billing", "Plan")
    Subscription = apps.get_model("billing", "Subscription")
    Membership = apps.get_model("billing", "Membership")
    Payment = apps.get_model("billing", "Payment")
    user = User.objects.create(email="twice@example.com")
    Tier = apps.get_model("billing", "Tier")
    # Seeded by migrations, unless an earlier transactional test flushed the database.
    tier, _ = Tier.objects.get_or_create(
        code="standard", defaults={"name": "Standard", "rank": 1, "monthly_points": 6600}
    )
    plan, _ = Plan.objects.get_or_create(
        tier=tier, period="monthly", defaults={"price": 6600, "currency": "cny"}
    )
    now = timezone.now()
    subs = []
    for n in range(2):
        membership = Membership.objects.create(
            user=user, tier=plan.tier, starts_at=now, ends_at=now + timedelta(days=30)
        )
        subs.append(
            Subscription.objects.create(
                user=user,
                provider="sandbox",
                subscription_id=f"sbx_sub_{n}",
                plan=plan,
                status="active",
                current_period_start=now,
                current_period_end=now + timedelta(days=30),
                membership=membership,
            )
        )
        Payment.objects.create(
            user=user,
            provider="sandbox",
            kind="invoice",
            ref=f"sbx_in_{n}",
            subscription=subs[-1],
            description="Standard, monthly",
            amount=plan.price,
            currency=plan.currency,
            paid_at=now,
        )

    call_command("migrate", verbosity=0)  # to the latest: must not raise

    from billing.models import Membership as LiveMembership
    from billing.models import Payment as LivePayment
    from billing.models import Subscription as LiveSubscription

    kept, duplicate = LiveSubscription.objects.filter(user_id=user.pk).order_by("created_at", "id")
    assert (kept.status, kept.duplicate_of_id) == ("active", None)
    assert (duplicate.status, duplicate.duplicate_of_id) == ("canceled", kept.pk)
    ended = LiveMembership.objects.get(pk=duplicate.membership_id)
    assert ended.ends_at <= timezone.now()
    assert "refund_duplicate_subscriptions" in capsys.readouterr().out

    call_command("refund_duplicate_subscriptions", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("refund_duplicate_subscriptions", stdout=open("/dev/null", "w"))  # noqa: SIM115
    refunded = LivePayment.objects.get(ref="sbx_in_1")
    assert refunded.amount_refunded == refunded.amount
    assert LivePayment.objects.get(ref="sbx_in_0").amount_refunded == 0
