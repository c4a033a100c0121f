"""Case 10: a user can delete their account. Works, uploads and personal data go; the ledger and
payment records stay, tied to a pseudonym, and balance; the address can sign up again. Staff can
do the same from the user page (audited), and the admin's delete goes the same way."""

import io

import pytest
from allauth.account.models import EmailAddress
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse

from billing import ledger
from billing.checkout import start_checkout
from billing.entitlements import entitlements
from billing.models import CheckoutSession, Entry, Lot, Pack, Payment, Plan, Subscription
from generation.models import Asset, Job
from generation.moderation.models import Flag
from tests.conftest import PASSWORD, make_user, tier
from tests.fake_stripe import deliver
from tests.gen_helpers import give_points, png_bytes
from webapp.accounts import closing
from webapp.accounts.models import DataExport, User
from webapp.staff.models import AuditEntry

pytestmark = pytest.mark.django_db

DELETE = reverse("accounts:delete")


def finished_job(user, prompt="my secret birthday video"):
    job = Job.objects.create(
        user=user,
        kind="image_to_video",
        status="succeeded",
        prompt=prompt,
        params={"aspect_ratio": "16:9", "duration_s": 5, "mode": "standard"},
        model_spec="tiny",
        points_held=100,
    )
    job.input_image.save("face.png", ContentFile(png_bytes()), save=True)
    asset = Asset(job=job, kind="video", content_type="video/mp4", width=2, height=2, size_bytes=3)
    asset.file.save("clip.mp4", ContentFile(b"mp4"), save=False)
    asset.marked_file.save("clip-marked.mp4", ContentFile(b"mp4m"), save=False)
    asset.save()
    return job


def running_job(user):
    job = Job.objects.create(
        user=user,
        kind="text_to_video",
        status="running",
        prompt="a running one",
        params={"duration_s": 5},
        model_spec="tiny",
        points_held=100,
    )
    ledger.hold(user, 100, job.ledger_ref, reason="video")
    return job


def stored_names(user) -> list[str]:
    names = []
    for job in Job.objects.filter(user=user):
        names += [f.name for f in (job.input_image, job.end_image) if f]
        for asset in job.assets.all():
            names += [f.name for f in (asset.file, asset.marked_file) if f]
    return names


def confirm(client, password=PASSWORD, understood=True):
    data = {"password": password}
    if understood:
        data["understood"] = "on"
    return client.post(DELETE, data)


def test_deleting_an_account_removes_works_uploads_and_personal_data(
    client, alice, django_capture_on_commit_callbacks
):
    give_points(alice, 50)
    done = finished_job(alice)
    running = running_job(alice)
    Flag.objects.create(job=done, user=alice, kind="prompt", category="violence", score=0.5)
    files = stored_names(alice)
    assert len(files) == 3 and all(Asset.file.field.storage.exists(n) for n in files)
    client.force_login(alice)

    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(client)

    assert response.status_code == 302 and response.url == reverse("home")
    assert not any(Asset.file.field.storage.exists(name) for name in files)
    assert not Job.objects.filter(pk__in=[done.pk, running.pk]).exists()
    assert not Flag.objects.filter(user=alice).exists()
    assert not EmailAddress.objects.filter(user=alice).exists()
    gone = User.objects.get(pk=alice.pk)
    assert gone.email == f"deleted-{alice.pk}@deleted.invalid"
    assert not gone.is_active and not gone.has_usable_password() and gone.deleted_at
    # The running job's points came back before the wallet was closed; then all were forfeited.
    assert ledger.balance(gone) == 0
    kinds = list(Entry.objects.filter(wallet__user=gone).values_list("kind", flat=True))
    assert kinds.index("release") > kinds.index("hold")  # (the visit granted daily points too)
    assert kinds[-2:] == ["expire", "expire"]  # one per lot with points left
    assert ledger.audit_wallet(gone).ok
    # The session is over.
    assert client.get(reverse("generation:create")).status_code == 302


def test_nothing_personal_is_left_anywhere_in_the_database(client, alice, bob):
    from webapp.api.models import AccessToken, WebhookEndpoint

    finished_job(alice, prompt="alice's private prompt about her dog")
    AccessToken.objects.create(
        user=alice, name="alice's laptop", prefix="lj_pat_abcdefgh", hashed="0" * 64
    )
    WebhookEndpoint.objects.create(
        user=alice, url="https://hooks.alice-shop.example/x", events="job.succeeded", secret="s"
    )
    finished_job(bob, prompt="bob keeps his")
    client.force_login(alice)
    confirm(client)

    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    text = dump.getvalue()
    assert "alice@example.com" not in text
    assert "alice's private prompt" not in text
    assert "alice-shop.example" not in text and "alice's laptop" not in text
    assert "bob@example.com" in text and "bob keeps his" in text


def test_the_address_can_sign_up_again_as_a_new_user(client, alice):
    client.force_login(alice)
    confirm(client)

    response = client.post(
        reverse("account_signup"),
        {"email": "alice@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    fresh = User.objects.get(email="alice@example.com")
    assert fresh.pk != alice.pk and fresh.is_active and fresh.deleted_at is None


def test_a_wrong_password_or_no_tick_deletes_nothing(client, alice):
    finished_job(alice)
    client.force_login(alice)

    wrong = confirm(client, password="not-it")
    assert wrong.status_code == 200
    assert "That is not your password." in wrong.content.decode()
    unticked = confirm(client, understood=False)
    assert unticked.status_code == 200
    alice.refresh_from_db()
    assert alice.deleted_at is None and alice.is_active
    assert Job.objects.filter(user=alice).count() == 1


def test_password_guesses_on_the_deletion_form_are_limited(client, alice):
    client.force_login(alice)
    codes = [confirm(client, password=f"guess{i}").status_code for i in range(6)]
    assert codes[-1] == 429
    assert confirm(client).status_code == 429  # even the right one, until the window ends
    alice.refresh_from_db()
    assert alice.deleted_at is None


def test_the_page_says_what_will_be_lost_before_it_is_lost(client, alice):
    give_points(alice, 12)
    finished_job(alice)
    client.force_login(alice)
    html = client.get(DELETE).content.decode()
    assert "Your 1 work and its files are deleted." in html
    points = ledger.balance(alice) // 10  # 12 and the day's daily points, granted on this visit
    assert points >= 12 and f"Your {points} points are forfeited." in html
    assert "alice@example.com" in html


def test_deletion_ends_a_stripe_membership_now_and_closes_open_checkouts(
    client, alice, stripe_site
):
    plan = Plan.objects.get(tier__code="pro", period="monthly")
    checkout = start_checkout(alice, plan=plan)
    session = stripe_site.pay_checkout(checkout.session_id)
    sub_id = session["subscription"]
    deliver(client, stripe_site.event("checkout.session.completed", checkout.session_id))
    deliver(client, stripe_site.event("invoice.paid", stripe_site.get(sub_id)["latest_invoice"]))
    assert entitlements(alice).tier.code == "pro"
    open_pack = start_checkout(alice, pack=Pack.objects.first())
    client.force_login(alice)

    assert confirm(client).status_code == 302

    assert stripe_site.get(sub_id)["status"] == "canceled"
    assert stripe_site.get(open_pack.session_id)["status"] == "expired"
    sub = Subscription.objects.get(subscription_id=sub_id)
    assert sub.status == "canceled" and sub.user_id == alice.pk
    gone = User.objects.get(pk=alice.pk)
    assert entitlements(gone).tier is None
    # The payment record stays for the accounts, under the pseudonym.
    assert Payment.objects.filter(user=gone).count() == 1
    assert CheckoutSession.objects.get(pk=open_pack.pk).status == "expired"
    # A renewal Stripe might still send for it grants nothing: the subscription is over.
    assert not Lot.objects.filter(wallet__user=gone, remaining__gt=0).exists()


def test_when_stripe_cannot_be_reached_nothing_is_deleted(client, alice, stripe_site):
    plan = Plan.objects.get(tier__code="standard", period="monthly")
    checkout = start_checkout(alice, plan=plan)
    session = stripe_site.pay_checkout(checkout.session_id)
    deliver(client, stripe_site.event("checkout.session.completed", checkout.session_id))
    finished_job(alice)
    stripe_site.fail_next_requests(10)  # every retry the SDK makes fails too
    client.force_login(alice)

    try:
        response = confirm(client)
    finally:
        stripe_site.fail_next_requests(0)  # the fake serves the whole session

    assert response.status_code == 200
    assert "nothing was deleted" in response.content.decode()
    alice.refresh_from_db()
    assert alice.is_active and alice.deleted_at is None and alice.email == "alice@example.com"
    assert Job.objects.filter(user=alice).count() == 1
    assert stripe_site.get(session["subscription"])["status"] == "active"


def test_deletion_ends_a_sandbox_membership_now(client, settings, alice):
    settings.STRIPE_SECRET_KEY = ""
    settings.PAYMENTS_SANDBOX = True
    tier("standard")
    from billing import sandbox

    checkout = start_checkout(alice, plan=Plan.objects.get(tier__code="standard", period="monthly"))
    sandbox.pay(checkout)
    assert entitlements(alice).tier.code == "standard"
    client.force_login(alice)

    confirm(client)

    sub = Subscription.objects.get(user_id=alice.pk)
    assert sub.status == "canceled" and sub.ended_at is not None
    assert entitlements(User.objects.get(pk=alice.pk)).tier is None
    assert sandbox.renew_due(sub.current_period_end) == 0  # never renews


def test_staff_delete_an_account_from_the_user_page_with_a_reason_audited(client, alice):
    admin = make_user("boss@example.com", is_staff=True, is_superuser=True)
    from webapp.staff import services as staff_services

    staff_services.suspend_user(alice, admin, "spam")
    finished_job(alice)
    client.force_login(admin)
    page = reverse("staff:user", args=[alice.pk])

    missing = client.post(reverse("staff:delete_user", args=[alice.pk]), {"reason": ""})
    assert User.objects.get(pk=alice.pk).deleted_at is None
    assert missing.status_code in (200, 302)

    response = client.post(
        reverse("staff:delete_user", args=[alice.pk]),
        {"reason": "asked by e-mail, ticket 81", "confirm_email": "alice@example.com"},
    )
    assert response.status_code == 302
    gone = User.objects.get(pk=alice.pk)
    assert gone.deleted_at is not None and not Job.objects.filter(user=gone).exists()
    entry = AuditEntry.objects.get(action="delete_account")
    assert entry.staff == admin and entry.reason == "asked by e-mail, ticket 81"
    assert entry.details["jobs"] == 1
    # Earlier rows about her no longer name her address.
    reprs = set(AuditEntry.objects.filter(subject_user=gone).values_list("target_repr", flat=True))
    assert reprs == {f"deleted-{alice.pk}@deleted.invalid"}
    assert client.get(page).status_code == 200


def test_staff_must_type_the_address_to_confirm(client, alice):
    admin = make_user("boss@example.com", is_staff=True, is_superuser=True)
    client.force_login(admin)
    client.post(
        reverse("staff:delete_user", args=[alice.pk]),
        {"reason": "asked", "confirm_email": "someone@else.com"},
    )
    assert User.objects.get(pk=alice.pk).deleted_at is None


def test_only_a_superuser_deletes_a_staff_account(alice):
    moderator = make_user("mod@example.com", is_staff=True)
    other_staff = make_user("mod2@example.com", is_staff=True)
    with pytest.raises(closing.DeletionRefused):
        closing.delete_account(other_staff, staff=moderator, reason="no")
    assert User.objects.get(pk=other_staff.pk).deleted_at is None


def test_the_admin_delete_goes_through_the_same_deletion(client, alice):
    admin = make_user("boss@example.com", is_staff=True, is_superuser=True)
    finished_job(alice)
    give_points(alice, 5)
    client.force_login(admin)
    url = reverse("admin:accounts_user_delete", args=[alice.pk])

    assert client.get(url).status_code == 200
    response = client.post(url, {"post": "yes"})

    assert response.status_code == 302
    gone = User.objects.get(pk=alice.pk)
    assert gone.deleted_at is not None and not Job.objects.filter(user=gone).exists()
    assert AuditEntry.objects.filter(action="delete_account", staff=admin).count() == 1


def test_deleting_twice_changes_nothing_more(alice):
    give_points(alice, 5)
    closing.delete_account(alice)
    entries = Entry.objects.count()
    assert closing.delete_account(User.objects.get(pk=alice.pk)) == {}
    assert Entry.objects.count() == entries


def test_exports_of_a_deleted_account_are_removed(alice, django_capture_on_commit_callbacks):
    made = DataExport.objects.create(user=alice, token="t" * 40, status="ready")
    made.file.save("x.zip", ContentFile(b"zip"), save=True)
    name = made.file.name
    with django_capture_on_commit_callbacks(execute=True):
        closing.delete_account(alice)
    assert not DataExport.objects.exists()
    assert not DataExport.file.field.storage.exists(name)
