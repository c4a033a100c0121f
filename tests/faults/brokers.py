"""The two supported brokers for tests that run real workers: the configured Redis, and RabbitMQ
in a private virtual host made for the test and removed after it.

RabbitMQ is the one on 127.0.0.1:5672 (guest/guest), or RABBITMQ_URL's; the virtual host is made
with `rabbitmqctl`, so queues, messages and their priorities never meet another test's.
"""

import os
import shutil
import socket
import subprocess
import uuid
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest

from tests.conftest import require_service

RABBITMQ_URL = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672")


def rabbitmq_answers(url: str = RABBITMQ_URL) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 5672), timeout=2):
            return True
    except OSError:
        return False


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


@contextmanager
def private_vhost():
    """A RabbitMQ virtual host of its own; yields the broker URL for it."""
    require_service(
        rabbitmq_answers() and shutil.which("rabbitmqctl") is not None,
        f"needs RabbitMQ at {RABBITMQ_URL} and rabbitmqctl on the PATH",
    )
    user = urlsplit(RABBITMQ_URL).username or "guest"
    vhost = f"studio-test-{uuid.uuid4().hex[:10]}"
    rabbitmqctl("add_vhost", vhost)
    try:
        rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
        yield f"{RABBITMQ_URL.rstrip('/')}/{vhost}"
    finally:
        rabbitmqctl("delete_vhost", vhost)


@contextmanager
def this_process_broker(url: str):
    """Point this process's Celery app (what the test client's submits send with) at `url`."""
    from webapp.celery import app

    def reset():
        app._pool = None
        app.__dict__.get("amqp") and setattr(app.amqp, "_producer_pool", None)

    # Celery prefers the CELERY_BROKER_URL environment variable (set in CI) to its own setting.
    old, old_env = app.conf.broker_url, os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = app.conf.broker_url = url
    reset()
    try:
        assert app.connection_for_write().as_uri().endswith(urlsplit(url).path)
        yield
    finally:
        if old_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = old_env
        app.conf.broker_url = old
        reset()


@pytest.fixture(params=["redis", "rabbitmq"])
def broker(request, settings):
    """Yields (name, URL) of the broker this test's workers and this process use.

    On RabbitMQ members' jobs share the one priority queue, as settings choose for an amqp URL.
    """
    if request.param == "redis":
        require_service(
            settings.CELERY_BROKER_URL.startswith("redis://"), "needs Redis: set CELERY_BROKER_URL"
        )
        yield "redis", settings.CELERY_BROKER_URL
        return
    with private_vhost() as url, this_process_broker(url):
        settings.CELERY_BROKER_URL = url
        settings.GENERATION_PRIORITY_QUEUE = settings.GENERATION_QUEUE
        yield "rabbitmq", url
