"""User webhooks: signed events about a user's jobs and points, delivered from a Celery queue.

- Events are found by a sweep (`emit_events`, every 15 s from beat), not raised where a job
  ends: jobs end by conditional updates in generation/services.py, and reading the finished
  rows afterwards sees every ending, whichever process made it. Each event has a unique `key`
  ("job.succeeded:<job id>"), so parallel or repeated sweeps make it once.
- Each event goes to each of the user's endpoints that asked for its type, as one
  WebhookDelivery. An attempt is claimed with a conditional update, POSTs the JSON body signed
  like Stripe's (`Lingjing-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`), and
  on anything but a 2xx tries again after WEBHOOK_RETRY_SECONDS x 2^(attempt - 1), capped at
  6 hours, until a day after the event; then it gives up.
- Endpoints are checked against SSRF when saved and at every attempt (webapp/api/outbound.py):
  each address the host resolves to must be public, and the call goes to the checked address.
"""

import hashlib
import hmac
import json
import logging
import secrets
import time
from datetime import timedelta

import requests
from celery import current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from billing import ledger
from generation import services
from generation.models import Job
from webapp.api import outbound
from webapp.api.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from webapp.api.outbound import UnsafeURL
from webapp.api.schemas import points

log = logging.getLogger(__name__)
DELIVER_WEBHOOK = "webapp.api.tasks.deliver_webhook"  # queued by name: that module imports this one
Event = WebhookEndpoint.Event
Delivery = WebhookDelivery.Status
GIVE_UP_AFTER = timedelta(hours=24)
MAX_BACKOFF = timedelta(hours=6)
CLAIM_LEASE = timedelta(seconds=60)  # a worker that dies mid-attempt frees it after this
TIMEOUT_SECONDS = 10
JOB_EVENTS = {
    Event.JOB_SUCCEEDED: Job.Status.SUCCEEDED,
    Event.JOB_FAILED: Job.Status.FAILED,
    Event.JOB_REFUSED: Job.Status.REJECTED,
}


def _live_endpoints():
    """Endpoints of users who may still hear from us: not suspended, not deleted."""
    return WebhookEndpoint.objects.filter(user__is_active=True, user__deleted_at=None)


def check_url(url: str) -> None:
    """Raise UnsafeURL unless `url` is http(s) to a host whose every address is public."""
    outbound.public_address(url)


def create_endpoint(user, url: str, events) -> WebhookEndpoint:
    check_url(url)
    return WebhookEndpoint.objects.create(
        user=user,
        url=url,
        events=" ".join(e for e in Event.values if e in events),
        secret="whsec_" + secrets.token_urlsafe(32),
    )


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The Lingjing-Signature header for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def _job_data(job: Job) -> dict:
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "price_points": points(job.points_held),
        "message": job.error_message,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


def _record(user, type_: str, key: str, data: dict, job=None) -> WebhookEvent | None:
    """The event and its deliveries, once per key; None if it existed already."""
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(user=user, type=type_, key=key, job=job, payload={})
            event.payload = {
                "id": f"evt_{event.pk}",
                "type": type_,
                "created": event.created_at.isoformat(),
                "data": data,
            }
            event.save(update_fields=["payload"])
            endpoints = WebhookEndpoint.objects.filter(user=user, events__contains=type_)
            if type_ == "test":
                endpoints = WebhookEndpoint.objects.filter(pk=data["endpoint"])
            WebhookDelivery.objects.bulk_create(
                [
                    WebhookDelivery(endpoint=e, event=event, next_attempt_at=timezone.now())
                    for e in endpoints
                ]
            )
    except IntegrityError:
        return None
    transaction.on_commit(lambda: _enqueue(event))
    return event


def _enqueue(event: WebhookEvent) -> None:
    deliver_webhook = current_app.tasks[DELIVER_WEBHOOK]
    for delivery_id in event.deliveries.values_list("pk", flat=True):
        try:
            deliver_webhook.delay(delivery_id)
        except Exception:  # the broker is down: the sweep sends it
            log.exception("webhook delivery %s not queued; the sweep will send it", delivery_id)


def emit_events(now=None) -> int:
    """Find what happened since each endpoint was made and record it; returns how many events."""
    now = now or timezone.now()
    count = 0
    for type_, status in JOB_EVENTS.items():
        listening = _live_endpoints().filter(
            user=OuterRef("user"), events__contains=type_, created_at__lte=OuterRef("finished_at")
        )
        known = WebhookEvent.objects.filter(job=OuterRef("pk"), type=type_)
        jobs = Job.objects.filter(
            Exists(listening), ~Exists(known), status=status, finished_at__gte=now - GIVE_UP_AFTER
        ).select_related("user")
        for job in jobs[:500]:
            count += bool(_record(job.user, type_, f"{type_}:{job.pk}", _job_data(job), job))
    count += _emit_points_low(now)
    return count


def _emit_points_low(now) -> int:
    """points.low: the balance is below the price of a 5-second standard video; once a day."""
    threshold = services.price_for(Job.Kind.TEXT_TO_VIDEO, {})
    count = 0
    endpoints = _live_endpoints().filter(events__contains=Event.POINTS_LOW)
    for user_id in set(endpoints.values_list("user_id", flat=True)):
        endpoint = endpoints.filter(user_id=user_id).select_related("user").first()
        have = ledger.balance(endpoint.user)
        if have < threshold:
            key = f"points.low:{user_id}:{timezone.localdate(now).isoformat()}"
            data = {"balance_points": points(have), "threshold_points": points(threshold)}
            count += bool(_record(endpoint.user, Event.POINTS_LOW, key, data))
    return count


def send_test_event(endpoint: WebhookEndpoint) -> WebhookEvent:
    data = {"endpoint": endpoint.pk, "message": "A test event from your studio."}
    return _record(endpoint.user, "test", f"test:{endpoint.pk}:{secrets.token_hex(8)}", data)


def backoff(attempt: int) -> timedelta:
    return min(timedelta(seconds=settings.WEBHOOK_RETRY_SECONDS * 2 ** (attempt - 1)), MAX_BACKOFF)


def attempt(delivery_id: int, now=None) -> WebhookDelivery | None:
    """One attempt at one delivery, if it is due and no one else holds it; returns it after."""
    now = now or timezone.now()
    due = Q(status__in=[Delivery.PENDING, Delivery.SENDING], next_attempt_at__lte=now)
    claimed = WebhookDelivery.objects.filter(due, pk=delivery_id).update(
        status=Delivery.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + CLAIM_LEASE
    )
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint", "event").get(pk=delivery_id)
    body = json.dumps(delivery.event.payload, separators=(",", ":")).encode()
    code, error = None, ""
    try:
        response = outbound.post(
            delivery.endpoint.url,
            body,
            {
                "Content-Type": "application/json",
                "User-Agent": "Lingjing-Studio-Webhooks/1",
                "Lingjing-Signature": sign(delivery.endpoint.secret, body, int(time.time())),
            },
            timeout=TIMEOUT_SECONDS,
        )
        code = response.status_code
    except (UnsafeURL, requests.RequestException) as exc:
        error = str(exc)[:300]
    fields = {"last_status_code": code, "last_error": error}
    if code is not None and 200 <= code < 300:
        fields.update(status=Delivery.SUCCEEDED, delivered_at=timezone.now(), next_attempt_at=None)
    elif timezone.now() + backoff(delivery.attempts) > delivery.created_at + GIVE_UP_AFTER:
        fields.update(status=Delivery.FAILED, next_attempt_at=None)
    else:
        fields.update(status=Delivery.PENDING, next_attempt_at=now + backoff(delivery.attempts))
    WebhookDelivery.objects.filter(pk=delivery_id, status=Delivery.SENDING).update(**fields)
    delivery.refresh_from_db()
    return delivery


def due_deliveries(now=None) -> list[int]:
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            status__in=[Delivery.PENDING, Delivery.SENDING], next_attempt_at__lte=now
        ).values_list("pk", flat=True)[:1000]
    )
