"""gunicorn settings for the web tier: the image's and compose's web command is
`gunicorn -c deploy/gunicorn.conf.py webapp.wsgi:application`.

Why gthread: a log-in spends ~30 ms of CPU hashing its password (Argon2id; ~230 ms with
Django's default PBKDF2). With sync workers a burst of log-ins holds every worker and every
other request queues behind them. The hashing releases the GIL and most other requests wait on
PostgreSQL or Redis, so threads let one process serve other requests while a log-in hashes, and
WEB_WORKERS processes (default: one per core) use every core.
docs/OPERATIONS.md ("Web tier") has the measurements behind the defaults.
"""

import logging
import os

_cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104
worker_class = "gthread"
workers = int(os.environ.get("WEB_WORKERS") or _cores or 1)
threads = int(os.environ.get("WEB_THREADS") or 8)
# A request may wait on S3 or Stripe; past this the worker is restarted.
timeout = 60
# Kubernetes sends SIGTERM after the preStop sleep: finish what is in flight, then stop.
graceful_timeout = 25
# Longer than a load balancer's idle timeout (AWS ALB, nginx upstream keepalive: 60 s): a
# connection gunicorn closes first while the balancer reuses it turns into a reset or a 502.
# Idle connections wait in gthread's poller, not in a thread.
keepalive = 75
# Leaks in a long-running process cannot pile up forever; the jitter stops all workers
# restarting at once.
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
errorlog = "-"
# Workers' heartbeat files on a memory-backed folder, never a slow or read-only disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# gunicorn's control socket (one fixed path in the home folder) is not used by this deployment,
# and two servers on one host would fight over it.
control_socket_disable = True


def post_worker_init(worker):
    """Load the prompt screen's sentence model before the first request, not during it: the
    first submissions a fresh process served were the slowest requests of the load test."""
    try:
        from generation.moderation import semantic

        semantic.warm()
    except Exception:  # a process that cannot warm up still serves; the first prompt loads it
        logging.getLogger(__name__).exception("moderation warm-up failed")
    finally:
        from django.db import connections

        # Requests run in other threads with their own connections; this one would sit idle.
        connections.close_all()
