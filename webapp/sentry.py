"""Optional error reporting to Sentry (or a self-hosted, Sentry-compatible server).

Only with SENTRY_DSN set: settings call `start()` and sentry_sdk is imported then, never
otherwise. No personal data is sent (send_default_pii off: no addresses, cookies or user ids
beyond what an exception's own text holds), and performance tracing is off unless
SENTRY_TRACES_SAMPLE_RATE asks for it.
"""


def start(dsn: str, environment: str, traces_sample_rate: float) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        traces_sample_rate=traces_sample_rate,
    )
