"""Webhook tasks: thin wrappers around webapp/api/webhooks.py, on the default queue."""

from celery import shared_task

from webapp.api import webhooks


@shared_task
def deliver_webhook(delivery_id: int) -> bool:
    """One attempt; when it fails and may try again, the next is queued after its backoff."""
    delivery = webhooks.attempt(delivery_id)
    if delivery is not None and delivery.status == delivery.Status.PENDING:
        countdown = webhooks.backoff(delivery.attempts).total_seconds()
        deliver_webhook.apply_async((delivery_id,), countdown=countdown)
    return delivery is not None and delivery.status == delivery.Status.SUCCEEDED


@shared_task
def send_webhooks() -> int:
    """Beat, every 15 s: record new events, and send deliveries whose time has come (those
    whose queued retry was lost with a broker or a worker)."""
    count = webhooks.emit_events()
    for delivery_id in webhooks.due_deliveries():
        deliver_webhook.delay(delivery_id)
    return count


@shared_task
def purge_idempotency_keys() -> int:
    """Beat, hourly: forget keys past their day (a key is also freed when it is used again)."""
    from django.utils import timezone

    from webapp.api.idempotency import KEY_LIFETIME
    from webapp.api.models import IdempotentRequest

    old = IdempotentRequest.objects.filter(created_at__lt=timezone.now() - KEY_LIFETIME)
    return old.delete()[0]


@shared_task
def purge_expired_uploads() -> int:
    """Beat, hourly: delete photo uploads past their day, used or not (jobs keep a copy)."""
    from webapp.api import photo_uploads

    return photo_uploads.purge_expired()
