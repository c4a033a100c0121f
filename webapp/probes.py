"""Kubernetes' (and compose's) probes, answered before any other middleware.

- `/healthz` (liveness): this process answers. It touches nothing else, so a database outage
  does not get every web pod restarted.
- `/readyz` (readiness): the database and the broker answer too; a pod that cannot reach them
  is taken out of the load balancer until they are back.

They run first in MIDDLEWARE because a probe comes from the kubelet with the pod's address as
its Host (not in ALLOWED_HOSTS) over plain HTTP (which HTTPS=true would redirect): the host
check and the redirect must not answer it. Nothing here reveals more than ok/failed per part.
"""

import logging

from django.db import connection
from django.http import JsonResponse

log = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        log.warning("readiness: the database does not answer", exc_info=True)
        return False


def broker_ok() -> bool:
    from django.conf import settings

    from webapp.celery import app

    try:
        with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=0, interval_start=0, timeout=BROKER_TIMEOUT_SECONDS)
        return True
    except Exception:
        log.warning("readiness: the broker does not answer", exc_info=True)
        return False


def readiness() -> tuple[bool, dict]:
    parts = {"database": database_ok(), "broker": broker_ok()}
    return all(parts.values()), {name: "ok" if ok else "failed" for name, ok in parts.items()}


def _answer(status: int, body: dict) -> JsonResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


class ProbeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            return _answer(200, {"status": "ok"})
        if request.path == "/readyz":
            ready, parts = readiness()
            return _answer(200 if ready else 503, {"status": "ok" if ready else "failed", **parts})
        return self.get_response(request)
