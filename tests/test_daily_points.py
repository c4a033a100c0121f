"""Daily inspiration points: 66 a day for verified accounts, gone at midnight Shanghai time."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.test import Client

from billing import ledger, middleware
from billing.daily import end_of_day, grant_daily_points
from billing.models import Entry, Lot
from tests.conftest import make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 3, 10, 12, 0, tzinfo=SHANGHAI)


def daily_lots(user):
    return Lot.objects.filter(wallet__user=user, source=Lot.Source.DAILY).order_by("granted_at")


def test_a_verified_account_gets_66_points_that_lapse_at_midnight_in_shanghai(alice):
    lot = grant_daily_points(alice, NOW)

    assert lot.amount == 660
    assert lot.source_ref == f"daily:{alice.pk}:2025-03-10"
    assert lot.expires_at == datetime(2025, 3, 11, 0, 0, tzinfo=SHANGHAI)
    assert ledger.balance(alice, NOW) == 660


def test_the_day_is_the_sites_day_not_utcs():
    # 23:30 UTC on 9 March is 07:30 on 10 March in Shanghai.
    late_utc = datetime(2025, 3, 9, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert end_of_day(late_utc) == datetime(2025, 3, 11, 0, 0, tzinfo=SHANGHAI)


def test_an_unverified_account_gets_none(db):
    carol = make_user("carol@example.com", verified=False)

    assert grant_daily_points(carol, NOW) is None
    assert ledger.balance(carol, NOW) == 0
    assert not Lot.objects.exists()


def test_daily_points_are_granted_once_a_day(alice):
    grant_daily_points(alice, NOW)
    grant_daily_points(alice, NOW + timedelta(hours=11))  # 23:00, same day

    assert daily_lots(alice).count() == 1
    assert Entry.objects.filter(kind=Entry.Kind.GRANT).count() == 1


def test_the_next_day_grants_again_and_writes_off_yesterdays_remainder(alice):
    grant_daily_points(alice, NOW)
    ledger.hold(alice, 100, "job:1", now=NOW)
    ledger.capture("job:1", now=NOW)
    tomorrow = NOW + timedelta(days=1)

    grant_daily_points(alice, tomorrow)

    yesterday, today = daily_lots(alice)
    assert (yesterday.remaining, today.remaining) == (0, 660)
    expired = Entry.objects.get(kind=Entry.Kind.EXPIRE)
    assert (expired.lot, expired.amount, expired.balance_after) == (yesterday, -560, 0)
    assert ledger.balance(alice, tomorrow) == 660


def test_the_amount_follows_the_daily_points_setting(alice, settings):
    settings.DAILY_POINTS = 10
    assert grant_daily_points(alice, NOW).amount == 100

    settings.DAILY_POINTS = 0
    assert grant_daily_points(alice, NOW + timedelta(days=1)) is None


def test_the_first_signed_in_request_grants_todays_points(client, alice):
    client.force_login(alice)

    response = client.get("/pricing/")

    assert response.status_code == 200
    assert daily_lots(alice).count() == 1
    assert ledger.balance(alice) == 660


def test_later_requests_the_same_day_do_not_look_again(client, alice, monkeypatch):
    client.force_login(alice)
    client.get("/pricing/")
    calls = []
    monkeypatch.setattr(middleware, "grant_daily_points", lambda *a: calls.append(a))

    client.get("/pricing/")
    client.get("/points/")

    assert calls == []


def test_an_unverified_account_is_looked_at_again_within_minutes(db, client, monkeypatch):
    carol = make_user("carol@example.com", verified=False)
    client.force_login(carol)
    timeouts = []
    real_set = middleware.cache.set

    def recording_set(key, value, timeout):
        timeouts.append(timeout)
        real_set(key, value, timeout)

    monkeypatch.setattr(middleware.cache, "set", recording_set)

    client.get("/pricing/")

    assert timeouts and timeouts[0] <= 5 * 60
    assert not Lot.objects.exists()


def test_anonymous_requests_grant_nothing(client, alice):
    client.get("/pricing/")
    assert not Lot.objects.exists()


def test_20_parallel_first_requests_of_the_day_grant_once(transactional_db, requires_postgres):
    user = make_user("early@example.com")
    signed_in = Client()
    signed_in.force_login(user)
    session_id = signed_in.cookies[settings.SESSION_COOKIE_NAME].value
    barrier = threading.Barrier(20)
    statuses = [None] * 20

    def first_request(i):
        try:
            client = Client()
            client.cookies[settings.SESSION_COOKIE_NAME] = session_id
            barrier.wait(timeout=30)
            statuses[i] = client.get("/points/").status_code
        except Exception as error:  # noqa: BLE001 - reported below
            statuses[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=first_request, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert statuses == [200] * 20
    assert daily_lots(user).count() == 1
    assert Entry.objects.filter(kind=Entry.Kind.GRANT).count() == 1
    assert ledger.balance(user) == 660
    assert ledger.audit_wallet(user).ok
