"""User webhooks: events found once, signed as documented, retried with backoff, refused for
private addresses, and delivered by a real worker to a local receiver."""

import json
import re
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from generation.models import Job
from tests.conftest import PASSWORD, ROOT, make_user, start_worker, stop_worker, wait_for
from tests.gen_helpers import give_points, t2v_data
from tests.test_account_deletion import finished_job
from webapp.api import webhooks
from webapp.api.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

ALL_EVENTS = WebhookEndpoint.Event.values


def documented_verify():
    """The verification recipe from docs/API.md, as a reader would copy it."""
    text = (ROOT / "docs" / "API.md").read_text()
    code = re.search(r"<!-- webhook-verify -->\n```python\n(.*?)\n```", text, re.S).group(1)
    namespace = {}
    exec(code, namespace)  # noqa: S102 - our own documentation
    return namespace["verify"]


class Receiver:
    """A local HTTP server that records each POST; answers 500 to the first `fail_first`."""

    def __init__(self, fail_first=0):
        self.received, self.fail_first = [], fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                failing = len(receiver.received) <= receiver.fail_first
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = Receiver(fail_first=1)
    yield made
    made.close()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8000/",
        "http://10.1.2.3/",
        "http://192.168.0.10/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "ftp://93.184.215.14/",
    ],
)
def test_private_and_odd_addresses_are_refused(url, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(webhooks.UnsafeURL):
        webhooks.check_url(url)


def test_a_public_address_is_allowed_and_staff_may_allow_private_ones(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    webhooks.check_url("https://93.184.215.14/hook")
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    webhooks.check_url("http://127.0.0.1:9/hook")


def test_the_documented_recipe_verifies_a_signature_and_refuses_a_forgery():
    verify = documented_verify()
    body = b'{"type":"job.succeeded"}'
    now = int(timezone.now().timestamp())
    header = webhooks.sign("whsec_x", body, now)
    assert verify("whsec_x", body, header)
    assert not verify("whsec_y", body, header)
    assert not verify("whsec_x", body + b" ", header)
    assert not verify("whsec_x", body, webhooks.sign("whsec_x", body, now - 3600))


@pytest.mark.django_db
def test_an_ended_job_makes_one_event_per_type_however_often_the_sweep_runs(alice, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    old = finished_job(alice)
    Job.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(minutes=5))
    endpoint = webhooks.create_endpoint(alice, "http://127.0.0.1:9/hook", ALL_EVENTS)
    done = finished_job(alice)
    Job.objects.filter(pk=done.pk).update(finished_at=timezone.now())
    refused = finished_job(alice)
    Job.objects.filter(pk=refused.pk).update(status="rejected", finished_at=timezone.now())
    give_points(alice, 100)
    webhooks.emit_events()
    webhooks.emit_events()
    events = {(e.type, e.job_id) for e in WebhookEvent.objects.all()}
    # The job that ended before the endpoint existed is not sent.
    assert events == {("job.succeeded", done.pk), ("job.refused", refused.pk)}
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 2


@pytest.mark.django_db
def test_points_low_is_sent_once_a_day(alice, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    webhooks.create_endpoint(alice, "http://127.0.0.1:9/hook", ["points.low"])
    webhooks.emit_events()
    webhooks.emit_events()
    [event] = WebhookEvent.objects.filter(type="points.low")
    assert event.payload["data"] == {"balance_points": "0", "threshold_points": "10"}


@pytest.mark.django_db
def test_a_failed_attempt_waits_longer_each_time_then_gives_up(alice, settings, receiver):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    settings.WEBHOOK_RETRY_SECONDS = 30
    receiver.fail_first = 99
    endpoint = webhooks.create_endpoint(alice, receiver.url, ALL_EVENTS)
    webhooks.send_test_event(endpoint)
    delivery = WebhookDelivery.objects.get()
    first = webhooks.attempt(delivery.pk)
    assert (first.status, first.attempts, first.last_status_code) == ("pending", 1, 500)
    assert webhooks.attempt(delivery.pk) is None  # not due yet
    later = first.next_attempt_at
    second = webhooks.attempt(delivery.pk, now=later)
    assert second.next_attempt_at - later == timedelta(seconds=60)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        created_at=timezone.now() - timedelta(hours=24)
    )
    last = webhooks.attempt(delivery.pk, now=second.next_attempt_at)
    assert last.status == "failed" and last.attempts == 3
    assert len(receiver.received) == 3


@pytest.mark.django_db
def test_the_webhooks_page_adds_tests_and_logs_and_refuses_private_addresses(
    client, alice, bob, settings, receiver
):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    client.login(email=alice.email, password=PASSWORD)
    refused = client.post("/accounts/webhooks/", {"url": receiver.url, "events": ALL_EVENTS})
    assert refused.status_code == 200 and not WebhookEndpoint.objects.exists()
    assert "public internet" in refused.content.decode()
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    client.post("/accounts/webhooks/", {"url": receiver.url, "events": ["job.succeeded"]})
    endpoint = WebhookEndpoint.objects.get(user=alice)
    assert endpoint.secret.startswith("whsec_")
    client.post(f"/accounts/webhooks/{endpoint.pk}/test/")
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.event.type == "test"
    page = client.get("/accounts/webhooks/").content.decode()
    assert endpoint.secret in page and 'data-testid="deliveries"' in page
    client.logout()
    client.login(email=bob.email, password=PASSWORD)
    assert client.post(f"/accounts/webhooks/{endpoint.pk}/test/").status_code == 404
    assert client.post(f"/accounts/webhooks/{endpoint.pk}/delete/").status_code == 404
    assert endpoint.secret not in client.get("/accounts/webhooks/").content.decode()


def test_a_real_worker_delivers_job_succeeded_signed_and_again_after_a_failure(
    transactional_db, client, receiver, settings, tmp_path
):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    user = make_user("hooked@example.com")
    give_points(user, 100)
    endpoint = webhooks.create_endpoint(user, receiver.url, ["job.succeeded"])
    env = {"WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": "true", "WEBHOOK_RETRY_SECONDS": "1"}
    worker = start_worker(tmp_path, env=env)
    try:
        client.force_login(user)
        response = client.post("/create/", t2v_data())
        job = Job.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))
        wait_for(
            lambda: Job.objects.filter(pk=job.pk, status__in=Job.FINISHED).exists(),
            timeout=600,
            interval=0.5,
            message="the job to finish",
        )
        assert Job.objects.get(pk=job.pk).status == Job.Status.SUCCEEDED
        webhooks.emit_events()  # what beat runs every 15 s
        wait_for(
            lambda: len(receiver.received) >= 2, timeout=300, message="the event to come again"
        )
    finally:
        stop_worker(worker)
    verify = documented_verify()
    for headers, body in receiver.received[:2]:
        assert verify(endpoint.secret, body, headers["Lingjing-Signature"])
        event = json.loads(body)
        assert event["type"] == "job.succeeded" and event["data"]["id"] == job.pk
    assert receiver.received[0][1] == receiver.received[1][1]  # the same event, sent again
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 2, 204)


@pytest.mark.django_db
def test_a_suspended_or_deleted_user_hears_nothing(alice, bob, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    for user in (alice, bob):
        webhooks.create_endpoint(user, "http://127.0.0.1:9/hook", ALL_EVENTS)
        Job.objects.filter(pk=finished_job(user).pk).update(finished_at=timezone.now())
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    bob.deleted_at = timezone.now()
    bob.save(update_fields=["deleted_at"])
    assert webhooks.emit_events() == 0
    assert not WebhookEvent.objects.exists()


def test_the_call_goes_to_the_address_that_was_checked(monkeypatch, settings, receiver):
    """A name that resolves to a public address first and a private one after (rebinding) is
    called at the first: the name is resolved once. (The receiver's loopback address stands in
    for a public one here.)"""
    from webapp.api import outbound

    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    real = outbound.socket.getaddrinfo
    port = receiver.server.server_address[1]
    lookups = []

    def rebinding_dns(host, *args, **kwargs):
        if host != "hooks.example.com":
            return real(host, *args, **kwargs)
        lookups.append(host)
        address = "127.0.0.1" if len(lookups) == 1 else "10.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(outbound.socket, "getaddrinfo", rebinding_dns)
    monkeypatch.setattr(outbound, "is_public", lambda address: str(address) == "127.0.0.1")
    response = outbound.post(f"http://hooks.example.com:{port}/hook", b"{}", {}, timeout=10)
    assert response.status_code == 500  # the receiver's first answer: it was reached
    assert lookups == ["hooks.example.com"]
    headers, _body = receiver.received[0]
    assert headers["Host"] == f"hooks.example.com:{port}"
    with pytest.raises(outbound.UnsafeURL):  # the second answer is private: refused
        outbound.post(f"http://hooks.example.com:{port}/hook", b"{}", {}, timeout=10)
