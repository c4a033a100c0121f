"""The order a full queue is served in, by a real worker on Redis and on RabbitMQ: members before
everyone else, and within each, a user's first job before anyone's second (generation/dispatch.py),
so one member's pile of jobs cannot hold back another member's first one."""

import pytest
from django.urls import reverse

from billing import ledger
from generation.models import Job
from tests.conftest import make_user, start_worker, stop_worker, subscribe, wait_for
from tests.faults.brokers import broker  # noqa: F401 - the fixture
from tests.gen_helpers import give_points, t2v_data

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("requires_postgres")]
PICTURE = t2v_data(kind="text_to_picture", num_images="1")


def member(email: str, code: str):
    user = make_user(email)
    subscribe(user, code)
    return user


def submit(client, user, count=1) -> list[int]:
    client.force_login(user)
    client.get(reverse("generation:create"))  # the day's first visit grants the daily points
    give_points(user, 100)
    ids = []
    for n in range(count):
        response = client.post(reverse("generation:create"), {**PICTURE, "seed": str(n)})
        assert response.status_code == 302, response.context["form"].errors
        ids.append(int(response.url.rstrip("/").split("/")[-1]))
    return ids


def test_members_go_first_and_one_users_pile_does_not_hold_back_others(
    client,
    broker,  # noqa: F811
    settings,
    tmp_path,
    monkeypatch,  # noqa: F811
):
    from webapp.celery import app

    settings.JOB_SUBMIT_RATE = "100/m"
    app.control.purge()
    # The queue fills before any worker runs: free users first, then a member's five jobs, then
    # another member's one.
    bob, carol = make_user("bob@example.com"), make_user("carol@example.com")
    alice, dave = member("alice@example.com", "premier"), member("dave@example.com", "standard")
    free = submit(client, bob) + submit(client, carol)
    piled = submit(client, alice, count=5)
    (first,) = submit(client, dave)

    monkeypatch.setattr(app.control, "purge", lambda: 0)  # keep what waits for the worker
    worker = start_worker(tmp_path, env={"CELERY_BROKER_URL": broker[1]})
    try:
        wait_for(
            lambda: not Job.objects.filter(status__in=Job.ACTIVE).exists(),
            timeout=600,
            interval=0.5,
            message=f"every job to finish\n{worker.log()[-3000:]}",
        )
    finally:
        stop_worker(worker)
    jobs = list(Job.objects.order_by("started_at"))
    assert all(job.status == Job.Status.SUCCEEDED for job in jobs), [j.error_message for j in jobs]
    served = [job.pk for job in jobs]
    # Each user's first job at the top; dave's one before alice's second although sent after it.
    assert served[:2] == [piled[0], first], (served, piled, first)
    assert served[2:6] == piled[1:]
    # The free users, who were first in line, after every member's job.
    assert served[6:] == free
    for user in (alice, bob, carol, dave):
        assert ledger.audit_wallet(user).ok
