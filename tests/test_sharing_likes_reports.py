"""Likes (one per user, counted by conditional updates, rate limited) and reports (a threshold
hides the work; staff restore, unpublish, feature or ban, each step in the audit log)."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from tests.sharing_helpers import published
from tests.staff_helpers import staff_member
from tests.test_ledger_concurrency import run_in_threads
from webapp.accounts.models import User
from webapp.sharing import services
from webapp.sharing.models import Like, Report, Share
from webapp.staff.models import AuditEntry


def many_users(count: int, prefix: str) -> list[User]:
    # No password hashing: these users only ever act through services.
    return User.objects.bulk_create(
        [User(email=f"{prefix}{i}@example.com", password="!") for i in range(count)]
    )


def test_100_likes_from_100_users_in_parallel_count_100_and_repeats_count_once(
    transactional_db, requires_postgres
):
    owner = many_users(1, "owner")[0]
    share = published(owner)
    fans = many_users(100, "fan")
    # 50 connections at once (the server's 100 are shared with other test runs): each thread
    # likes for two users, then both again; every call races the others on one row.
    outcomes = run_in_threads(
        50,
        lambda i: [services.like(share, fans[j]) for j in (2 * i, 2 * i + 1, 2 * i, 2 * i + 1)],
    )
    errors = [o for o in outcomes if not isinstance(o, list)]
    assert errors == []
    added = [x for o in outcomes for x in o]
    assert added.count(True) == 100 and added.count(False) == 100
    share.refresh_from_db()
    assert share.like_count == 100 == Like.objects.filter(share=share).count()
    # The trending score moved with the count, in the same UPDATE.
    assert share.hot == pytest.approx(services.hot_score(share.published_at, 100))


def test_a_repeat_like_counts_once_and_unlike_takes_it_back(alice, bob):
    share = published(alice)
    client = Client()
    client.force_login(bob)
    page = reverse("sharing:page", args=[share.token])
    for _ in range(3):
        client.post(reverse("sharing:like", args=[share.token]))
    share.refresh_from_db()
    assert share.like_count == 1
    assert 'aria-pressed="true"' in client.get(page).content.decode()
    client.post(reverse("sharing:like", args=[share.token]), {"undo": "1"})
    client.post(reverse("sharing:like", args=[share.token]), {"undo": "1"})
    share.refresh_from_db()
    assert share.like_count == 0 and not Like.objects.exists()
    assert Client().post(reverse("sharing:like", args=[share.token])).status_code == 302  # log in


def test_likes_are_rate_limited_per_user(alice, bob):
    shares = [published(alice) for _ in range(services.LIKES_PER_MINUTE + 1)]
    for share in shares[:-1]:
        assert services.like(share, bob)
    with pytest.raises(services.SharingRefused):
        services.like(shares[-1], bob)
    assert Like.objects.filter(user=bob).count() == services.LIKES_PER_MINUTE


def test_reports_past_the_threshold_hide_the_work_until_staff_restore_it(db, settings, alice):
    settings.SHARE_REPORT_THRESHOLD = 3
    share = published(alice, prompt="a reported work")
    reporters = many_users(3, "reporter")
    page = reverse("sharing:page", args=[share.token])
    for i, reporter in enumerate(reporters):
        client = Client()
        client.force_login(reporter)
        response = client.post(
            reverse("sharing:report", args=[share.token]), {"reason": "spam", "note": f"n{i}"}
        )
        assert response.status_code == 302
        # A second report by the same person counts once.
        client.post(reverse("sharing:report", args=[share.token]), {"reason": "hate"})
        expected = 200 if i < 2 else 404
        assert Client().get(page).status_code == expected
    share.refresh_from_db()
    assert share.report_count == 3 == Report.objects.filter(share=share).count()
    assert share.hidden_at is not None
    assert share.token not in Client().get(reverse("sharing:explore")).content.decode()

    moderator = staff_member("mod@example.com", "Moderators")
    staff = Client()
    staff.force_login(moderator)
    queue = staff.get(reverse("sharing:staff_reported")).content.decode()
    assert "a reported work" in queue and "reporter0@example.com" in queue
    # No reason, no decision.
    staff.post(reverse("sharing:staff_decide", args=[share.pk, "restore"]), {"reason": ""})
    assert Share.objects.get(pk=share.pk).hidden_at is not None
    staff.post(
        reverse("sharing:staff_decide", args=[share.pk, "restore"]), {"reason": "satire, fine"}
    )
    assert Client().get(page).status_code == 200
    staff.post(reverse("sharing:staff_decide", args=[share.pk, "feature"]), {"reason": "lovely"})
    assert (
        share.token in Client().get(reverse("sharing:explore"), {"sort": "picks"}).content.decode()
    )
    # The staff page shows each step so far.
    queue = staff.get(reverse("sharing:staff_reported")).content.decode()
    assert "satire, fine" in queue and "lovely" in queue
    staff.post(reverse("sharing:staff_decide", args=[share.pk, "unpublish"]), {"reason": "gone"})
    assert Client().get(page).status_code == 404

    entries = AuditEntry.objects.filter(
        target_type=ContentType.objects.get_for_model(Share), target_id=str(share.pk)
    ).order_by("created_at", "id")
    assert [(e.action, e.reason, e.staff_id, e.subject_user_id) for e in entries] == [
        ("restore_work", "satire, fine", moderator.pk, alice.pk),
        ("feature_work", "lovely", moderator.pk, alice.pk),
        ("unpublish_work", "gone", moderator.pk, alice.pk),
    ]


def test_ban_unpublishes_and_suspends_the_creator(db, alice):
    share = published(alice)
    Share.objects.filter(pk=share.pk).update(report_count=1)
    admin = staff_member("boss@example.com", "Moderators", "Support")
    client = Client()
    client.force_login(admin)
    client.post(reverse("sharing:staff_decide", args=[share.pk, "ban"]), {"reason": "abuse"})
    alice.refresh_from_db()
    assert not alice.is_active
    assert set(AuditEntry.objects.values_list("action", flat=True)) == {"unpublish_work", "suspend"}


def test_staff_decisions_need_the_moderation_permission(db, alice, bob):
    share = published(alice)
    client = Client()
    client.force_login(bob)
    assert client.get(reverse("sharing:staff_reported")).status_code == 302
    client.post(reverse("sharing:staff_decide", args=[share.pk, "unpublish"]), {"reason": "x"})
    assert Share.objects.get(pk=share.pk).visibility == "public"
    support = staff_member("support@example.com", "Support")
    client.force_login(support)
    assert client.get(reverse("sharing:staff_reported")).status_code == 403


def test_a_work_staff_unpublished_cannot_be_shared_again_and_decisions_count_once(db, alice):
    share = published(alice)
    moderator = staff_member("mod2@example.com", "Moderators")
    assert services.feature(share, moderator, "lovely")
    assert not services.feature(share, moderator, "lovely again")  # already a pick
    assert services.take_down(share, moderator, "breaks the rules")
    assert not services.take_down(share, moderator, "twice")
    with pytest.raises(services.SharingRefused):
        services.publish(share.job, alice, "public")
    assert Share.objects.get(pk=share.pk).visibility == "private"
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "feature_work",
        "unpublish_work",
    ]
