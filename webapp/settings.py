"""Settings for the studio, read from the environment.

With no environment at all the site runs on embedded defaults: SQLite, a filesystem Celery
broker, local media files and the tiny demo model, all kept under DATA_DIR. Each variable in the
README's configuration table switches one part to its production service.
"""

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent


# --- typed helpers: a malformed value stops start-up with the variable's name -----------------


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_float(name: str) -> float | None:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return None
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from None


def generation_steps(name: str) -> dict[str, int]:
    """Denoising-step overrides per kind: "30" (every video kind; pictures keep their distilled
    model's steps) or "text_to_video=30,extend=20,text_to_picture=4". Unset: spec defaults."""
    video = ("text_to_video", "image_to_video", "extend", "references")
    kinds = (*video, "text_to_picture")
    raw = os.environ.get(name, "").strip()
    if not raw or raw == "0":
        return {}
    try:
        if "=" not in raw:
            return dict.fromkeys(video, _positive(int(raw)))
        steps = {}
        for item in raw.split(","):
            kind, _, value = item.partition("=")
            if kind.strip() not in kinds:
                raise ValueError
            steps[kind.strip()] = _positive(int(value))
        return steps
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be a number of steps or kind=steps pairs ({', '.join(kinds)}), "
            f"got {raw!r}"
        ) from None


def _positive(value: int) -> int:
    if value <= 0:
        raise ValueError
    return value


def _model_spec(name: str):
    from generation.engine.specs import get_spec  # plain data: no torch, no Django

    return get_spec(name)


def _speed_check(name: str, value: str) -> str:
    from generation.engine.speed import check  # plain data: no torch, no Django

    return check(name, value)


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """sqlite:///relative/or//absolute/path or postgres://user:pass@host:port/name?opt=val."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path[1:]) if parts.path.startswith("/") else unquote(parts.path)
        if not path:
            raise ImproperlyConfigured(f"DATABASE_URL names no SQLite file: {url!r}")
        return sqlite_database(Path(path) if Path(path).is_absolute() else BASE_DIR / path)
    if parts.scheme in ("postgres", "postgresql", "pgsql"):
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured(f"DATABASE_URL names no database: {url!r}")
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(f"DATABASE_URL has a malformed port: {url!r}") from None
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "OPTIONS": dict(parse_qsl(parts.query)),
            "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL must start with sqlite:// or postgres://, got {parts.scheme or url!r}://"
    )


def sqlite_database(path: Path) -> dict:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        # WAL and immediate transactions let the web server and the worker share the file.
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
        # The test database is a file so that a real worker process can open it too.
        "TEST": {"NAME": path.with_name(f"test_{path.name}")},
    }


# --- core ----------------------------------------------------------------------------------------

DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)


def _embedded_secret_key() -> str:
    # A laptop install gets a random key kept beside its database, never a key from the repository.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = env_str("SECRET_KEY") or _embedded_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://localhost:8000").rstrip("/")
SITE_NAME = env_str("SITE_NAME", "Lingjing Studio")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "webapp.accounts",
    "webapp",
    "billing",
    "generation",
    "generation.moderation",
    "ninja",  # its templates and static files: the API reference page is served locally
    "webapp.api",
    "webapp.sharing",
    "webapp.staff",
]

MIDDLEWARE = [
    # Liveness and readiness probes answer before the host check and the HTTPS redirect.
    "webapp.probes.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "webapp.accounts.backends.EarlierSessionsMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "webapp.accounts.language.RememberLanguageMiddleware",
    "billing.middleware.DailyPointsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "webapp.urls"
WSGI_APPLICATION = "webapp.wsgi.application"
ASGI_APPLICATION = "webapp.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "webapp.context_processors.site",
                "billing.context_processors.points",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(env_str("DATABASE_URL"))
    if env_str("DATABASE_URL")
    else sqlite_database(DATA_DIR / "db.sqlite3")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "webapp.cache.SharedClientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "studio"),
        }
    }
    # Sessions read from the shared cache, written through to the database: a status poll (most
    # of the traffic) costs no session query. Only with a shared cache: a per-process one would
    # keep a logged-out session alive in the other processes.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- accounts --------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["webapp.accounts.backends.AccountBackend"]
# Argon2id first (webapp/accounts/passwords.py says why); the others verify older hashes, which
# Django upgrades at the next log-in.
PASSWORD_HASHERS = [
    "webapp.accounts.passwords.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
# A taken address is refused with a clear message rather than a silent e-mail; the rate limits
# below keep address probing slow.
ACCOUNT_PREVENT_ENUMERATION = False
ACCOUNT_ADAPTER = "webapp.accounts.adapter.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if env_bool("HTTPS", False) else "http"
# Sign-ups from these mail domains (and their subdomains) are refused: the list file (empty for
# none) plus a comma list of extra domains.
DISPOSABLE_EMAIL_DOMAINS_FILE = env_str(
    "DISPOSABLE_EMAIL_DOMAINS_FILE", str(BASE_DIR / "webapp/accounts/disposable_domains.txt")
)
DISPOSABLE_EMAIL_DOMAINS = env_list("DISPOSABLE_EMAIL_DOMAINS", [])
ACCOUNT_FORMS = {
    "signup": "webapp.accounts.forms.StudioSignupForm",
    "add_email": "webapp.accounts.forms.StudioAddEmailForm",
}
ACCOUNT_RATE_LIMITS = {
    "login": env_str("RATE_LIMIT_LOGIN", "30/m/ip"),
    "login_failed": env_str("RATE_LIMIT_LOGIN_FAILED", "10/m/ip,5/5m/key"),
    "signup": env_str("RATE_LIMIT_SIGNUP", "20/m/ip"),
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}

# --- i18n ------------------------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Daily inspiration points roll over at midnight in this zone.
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- static and media ------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# Served from the source folders until `collectstatic` fills STATIC_ROOT in production.
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))

S3_BUCKET = env_str("S3_BUCKET")
# Lifetime of a signed media URL: S3's, and the API's download links on local storage.
API_DOWNLOAD_URL_SECONDS = env_int("S3_URL_EXPIRE_SECONDS", 600)
if S3_BUCKET:
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env_str("S3_ENDPOINT_URL") or None,
            "region_name": env_str("S3_REGION") or None,
            "access_key": env_str("S3_ACCESS_KEY_ID") or None,
            "secret_key": env_str("S3_SECRET_ACCESS_KEY") or None,
            "default_acl": "private",
            # Media is private: every URL handed out is signed and short-lived.
            "querystring_auth": True,
            "querystring_expire": env_int("S3_URL_EXPIRE_SECONDS", 600),
            "file_overwrite": False,
            "signature_version": "s3v4",
        },
    }
else:
    DEFAULT_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": MEDIA_URL},
    }
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- e-mail ----------------------------------------------------------------------------------

EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Seconds an SMTP connection may take before it counts as failed (the e-mail task retries).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "studio@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- security (HTTPS=true behind TLS turns on every transport protection) --------------------

HTTPS = env_bool("HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
# Behind a proxy every request comes from the proxy's address. Name how many proxies of ours
# append to X-Forwarded-For, or the header one of them sets to the client's address, so that
# per-address limits (log-in, sign-up, the check page) count each visitor on their own
# (webapp/ratelimit.py, client_ip).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
CLIENT_IP_HEADER = env_str("CLIENT_IP_HEADER", "")
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Celery ----------------------------------------------------------------------------------

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
BROKER_DIR = DATA_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
else:
    # The visibility timeout is set below the generation settings: above the longest job's
    # hard time limit, so a slow job is not delivered twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- generation ------------------------------------------------------------------------------

# Which model spec workers run (generation/engine/specs.py); `tiny` is the random-weight demo.
GENERATION_MODEL = env_str("GENERATION_MODEL", "tiny")
# Pictures from another model than the spec's own (specs.PICTURE_MODELS: `kolors`...): the spec
# run is then `<GENERATION_MODEL>+<picture model>`, the name jobs record and workers load.
GENERATION_PICTURE_MODEL = env_str("GENERATION_PICTURE_MODEL")
if GENERATION_PICTURE_MODEL:
    GENERATION_MODEL = f"{GENERATION_MODEL.partition('+')[0]}+{GENERATION_PICTURE_MODEL}"
if os.environ.get("GENERATION_MODEL_PATH"):
    raise ImproperlyConfigured(
        "GENERATION_MODEL_PATH is now GENERATION_MODEL_DIR: the folder holding one <org>/<name> "
        "folder per checkpoint, as `manage.py fetch_model` writes it"
    )
# The folder of <org>/<name> checkpoint folders (`manage.py fetch_model SPEC` fills it).
GENERATION_MODEL_DIR = Path(env_str("GENERATION_MODEL_DIR") or DATA_DIR / "models")
GENERATION_DEVICE = env_str("GENERATION_DEVICE")
GENERATION_STEPS = generation_steps("GENERATION_STEPS")
# The memory plan (generation/engine/memory.py): plan for this much GPU / host memory instead
# of what the machine has, or force one mode for every pipeline.
GENERATION_GPU_MEMORY_GB = env_float("GENERATION_GPU_MEMORY_GB")
GENERATION_HOST_MEMORY_GB = env_float("GENERATION_HOST_MEMORY_GB")
GENERATION_MEMORY_PLAN = env_str("GENERATION_MEMORY_PLAN", "auto")
if GENERATION_MEMORY_PLAN not in ("auto", "resident", "swap", "offload", "stream"):
    raise ImproperlyConfigured(
        "GENERATION_MEMORY_PLAN must be auto, resident, swap, offload or stream, "
        f"got {GENERATION_MEMORY_PLAN!r}"
    )
# Speed options (generation/engine/speed.py): "default" keeps what the spec chose.
GENERATION_STEP_CACHE = env_str("GENERATION_STEP_CACHE", "default")
GENERATION_COMPILE = env_str("GENERATION_COMPILE", "default")
GENERATION_PRECISION = env_str("GENERATION_PRECISION", "default")
for _name, _value in (
    ("step_cache", GENERATION_STEP_CACHE),
    ("compile", GENERATION_COMPILE),
    ("precision", GENERATION_PRECISION),
):
    try:
        _speed_check(_name, _value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"GENERATION_{_name.upper()}: {exc}") from None
# LoRA adapters (effects) each warm pipeline keeps loaded; the least recently used is removed
# when another is needed (generation/engine/adapters.py).
GENERATION_ADAPTER_SLOTS = env_int("GENERATION_ADAPTER_SLOTS", 4)
if GENERATION_ADAPTER_SLOTS < 1:
    raise ImproperlyConfigured(
        f"GENERATION_ADAPTER_SLOTS must be 1 or more, got {GENERATION_ADAPTER_SLOTS}"
    )
# Post-processing in a background thread while the next job denoises (generation/overlap.py):
# "auto" (None) turns it on for GPU workers only.
GENERATION_OVERLAP_POSTPROCESS = (
    None
    if env_str("GENERATION_OVERLAP_POSTPROCESS", "auto").strip().lower() == "auto"
    else env_bool("GENERATION_OVERLAP_POSTPROCESS", False)
)
GENERATION_QUEUE = "gpu"
# Members' jobs go first (generation/dispatch.py). Redis serves a worker's queues in order, so
# they have a queue of their own; RabbitMQ serves a worker's queues side by side, so there they
# share the one priority queue and go first by their message priority.
GENERATION_PRIORITY_QUEUE = (
    GENERATION_QUEUE if CELERY_BROKER_URL.startswith(("amqp", "pyamqp")) else "gpu-priority"
)
# Each job's time limit comes from the spec's cost model (ModelSpec.time_limit); a value here
# replaces it for every job. The pool process is killed JOB_KILL_GRACE seconds after.
JOB_SOFT_TIME_LIMIT = env_int("JOB_SOFT_TIME_LIMIT", 0)
JOB_KILL_GRACE = 120
JOB_HEARTBEAT_SECONDS = env_int("JOB_HEARTBEAT_SECONDS", 5)
# A running job whose worker has been silent this long is considered lost.
JOB_HEARTBEAT_TIMEOUT = env_int("JOB_HEARTBEAT_TIMEOUT", 6 * JOB_HEARTBEAT_SECONDS)
JOB_MAX_ATTEMPTS = 2
# Every worker writes a WorkerHeartbeat row this often (webapp/worker_heartbeat.py); the staff
# dashboard counts a worker alive while its row is under 2 minutes old.
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 30)
# A file every worker touches on each heartbeat, for a container's liveness probe (its age).
WORKER_ALIVE_FILE = env_str("WORKER_ALIVE_FILE")
try:
    _longest = JOB_SOFT_TIME_LIMIT or _model_spec(GENERATION_MODEL).longest_time_limit()
except KeyError as exc:
    raise ImproperlyConfigured(f"GENERATION_MODEL: {exc.args[0]}") from None
# The longest hard limit of any job the workers run: what the broker and sweep wait out.
JOB_LONGEST_HARD_LIMIT = _longest + JOB_KILL_GRACE
if CELERY_BROKER_URL.startswith("redis"):
    # Workers listen on both queues; Redis then always serves the priority queue first, and
    # within a queue one list per message priority (generation/dispatch.py), 0 first.
    CELERY_BROKER_TRANSPORT_OPTIONS["queue_order_strategy"] = "priority"
    CELERY_BROKER_TRANSPORT_OPTIONS["priority_steps"] = list(range(10))
# RabbitMQ: classic queues with 10 priority levels (members and per-user fairness), or quorum
# queues (replicated; RabbitMQ 4 gives them two levels: members first, no fairness).
CELERY_QUEUE_TYPE = env_str("CELERY_QUEUE_TYPE", "classic")
if CELERY_QUEUE_TYPE not in ("classic", "quorum"):
    raise ImproperlyConfigured(
        f"CELERY_QUEUE_TYPE must be classic or quorum, got {CELERY_QUEUE_TYPE!r}"
    )
_QUEUE_ARGUMENTS = (
    {"x-queue-type": "quorum"} if CELERY_QUEUE_TYPE == "quorum" else {"x-max-priority": 10}
)
# gpu-priority is declared on every broker (empty on RabbitMQ), so one `-Q` serves them all.
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name, queue_arguments=_QUEUE_ARGUMENTS)
    for name in ("gpu-priority", GENERATION_QUEUE, "celery")
]
if not CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = env_int(
        "CELERY_VISIBILITY_TIMEOUT", max(3 * 3600, JOB_LONGEST_HARD_LIMIT + 600)
    )
    if CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] <= JOB_LONGEST_HARD_LIMIT:
        raise ImproperlyConfigured(
            f"CELERY_VISIBILITY_TIMEOUT must exceed the longest job's hard time limit "
            f"({JOB_LONGEST_HARD_LIMIT} s for {GENERATION_MODEL})"
        )
# Threads each worker pool process may use (torch, OpenMP, BLAS, the video encoder); 0: the
# host's cores divided by the worker's concurrency (generation/threads.py).
WORKER_THREADS = env_int("WORKER_THREADS", 0)
# Prometheus metrics at /metrics (webapp/metrics.py): scraped with this Bearer token, or, with
# none, from loopback and private addresses only. Cached this many seconds between scrapes.
METRICS_TOKEN = env_str("METRICS_TOKEN")
METRICS_CACHE_SECONDS = env_int("METRICS_CACHE_SECONDS", 15)
# Load the model when a worker process starts rather than on its first job.
GENERATION_WARMUP = env_bool("GENERATION_WARMUP", False)

# --- moderation ------------------------------------------------------------------------------

# Job submissions per user, e.g. "10/m" or "30/5m" (empty or "0/m": no limit).
JOB_SUBMIT_RATE = env_str("JOB_SUBMIT_RATE", "10/m")
# The meaning-based prompt layer (MiniLM in numpy, loaded on first use per process).
MODERATION_SEMANTIC = env_bool("MODERATION_SEMANTIC", True)
# Reports of one shared work that hide it until staff decide (webapp/sharing/services.py).
SHARE_REPORT_THRESHOLD = env_int("SHARE_REPORT_THRESHOLD", 3)

# --- logging ---------------------------------------------------------------------------------

# LOG_FORMAT=json: one JSON object per line (time, level, logger, message, exception), for a log
# collector; Celery workers log through the same handler (CELERY_WORKER_HIJACK_ROOT_LOGGER off).
LOG_FORMAT = env_str("LOG_FORMAT", "text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
if LOG_FORMAT == "json":
    LOGGING["handlers"]["console"]["formatter"] = "json"

# Errors to Sentry (webapp/sentry.py), only when a DSN is set.
SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    from webapp import sentry

    sentry.start(
        SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=env_float("SENTRY_TRACES_SAMPLE_RATE") or 0.0,
    )

# The load test's per-request CPU and query count in a Server-Timing header
# (webapp/server_timing.py). Never on a public site.
if env_bool("SERVER_TIMING", False):
    MIDDLEWARE.insert(0, "webapp.server_timing.ServerTimingMiddleware")

# --- points and billing ---------------------------------------------------------------------

# Whole points granted each day to every verified account (0 turns daily points off).
DAILY_POINTS = env_int("DAILY_POINTS", 66)
# One price table, in points ("0.2" allowed); billing.pricing checks it at start-up.
POINT_PRICES = {
    "video_5s": env_str("PRICE_VIDEO_5S", "10"),
    "video_10s": env_str("PRICE_VIDEO_10S", "20"),
    "picture": env_str("PRICE_PICTURE", "0.2"),
    "professional_multiplier": env_str("PRICE_PROFESSIONAL_MULTIPLIER", "3.5"),
}
# Points per 5 s of a clip made with its soundtrack, on top of the video (billing/pricing.py).
SOUND_POINT_PRICE = env_str("PRICE_SOUND", "5")
# Periodic tasks (one beat process per installation). Expiry and membership grants also happen
# lazily on each user's requests; beat only keeps idle accounts tidy.
CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-jobs": {"task": "generation.tasks.sweep_stuck_jobs", "schedule": 60.0},
    "expire-points": {"task": "billing.tasks.expire_points", "schedule": 300.0},
    "grant-membership-points": {
        "task": "billing.tasks.grant_monthly_membership_points",
        "schedule": 900.0,
    },
}

# --- payments (Stripe; with no secret key the local sandbox checkout stands in) ---------------

STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY")
# Another API address (a local fake Stripe in tests); empty: Stripe's own.
STRIPE_API_BASE = env_str("STRIPE_API_BASE")
# Pinned: webhook payloads and API answers are read in this version's shapes.
STRIPE_API_VERSION = "2026-10-28.endive"
# Signed webhook timestamps older than this many seconds are refused (replay protection).
STRIPE_WEBHOOK_TOLERANCE = env_int("STRIPE_WEBHOOK_TOLERANCE", 300)
# Without Stripe keys, checkout goes to a local "no card is charged" page; never on HTTPS sites
# unless asked for, so a production site without keys sells nothing rather than giving it away.
PAYMENTS_SANDBOX = env_bool("PAYMENTS_SANDBOX", not HTTPS) and not STRIPE_SECRET_KEY
if STRIPE_SECRET_KEY and not STRIPE_WEBHOOK_SECRET:
    raise ImproperlyConfigured("STRIPE_SECRET_KEY needs STRIPE_WEBHOOK_SECRET too")
CELERY_BEAT_SCHEDULE["remove-expired-data-exports"] = {
    "task": "webapp.accounts.tasks.remove_expired_exports",
    "schedule": 3600.0,
}
CELERY_BEAT_SCHEDULE["renew-sandbox-subscriptions"] = {
    "task": "billing.tasks.renew_sandbox_subscriptions",
    "schedule": 300.0,
}
# API webhooks (webapp/api/webhooks.py): events found and due deliveries sent every 15 s.
CELERY_BEAT_SCHEDULE["send-webhooks"] = {"task": "webapp.api.tasks.send_webhooks", "schedule": 15.0}
CELERY_BEAT_SCHEDULE["purge-idempotency-keys"] = {
    "task": "webapp.api.tasks.purge_idempotency_keys",
    "schedule": 3600.0,
}
CELERY_BEAT_SCHEDULE["purge-expired-uploads"] = {
    "task": "webapp.api.tasks.purge_expired_uploads",
    "schedule": 3600.0,
}
WEBHOOK_RETRY_SECONDS = env_int("WEBHOOK_RETRY_SECONDS", 30)
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", False)

# --- provenance: visible mark, invisible mark, content credentials, the public check ---------

# The invisible mark's secret. Without one it is derived from SECRET_KEY (stable, never committed);
# changing either makes older marks unreadable.
PROVENANCE_KEY = (
    env_str("PROVENANCE_KEY")
    or hmac.new(
        SECRET_KEY.encode(), b"lingjing/provenance/invisible-mark/v1", hashlib.sha256
    ).hexdigest()
)
# C2PA signing: a PEM certificate chain (signing certificate first) and its private key. With
# neither set, a local test chain is made once under DATA_DIR/c2pa (`make_c2pa_test_cert`):
# its manifests validate, but only this installation trusts them.
C2PA_SIGN_CERT = env_str("C2PA_SIGN_CERT")
C2PA_SIGN_KEY = env_str("C2PA_SIGN_KEY")
C2PA_SIGNING_ALG = env_str("C2PA_SIGNING_ALG", "es256")
C2PA_TSA_URL = env_str("C2PA_TSA_URL")  # an RFC 3161 time-stamp authority, optional
# PEM roots the check page trusts as "signed by this site"; default: the chain's last certificate.
C2PA_TRUST_ANCHORS = env_str("C2PA_TRUST_ANCHORS")
if bool(C2PA_SIGN_CERT) != bool(C2PA_SIGN_KEY):
    raise ImproperlyConfigured("set both C2PA_SIGN_CERT and C2PA_SIGN_KEY, or neither")
# Post-processing encodes MP4s with NVENC when a GPU's encoder opens (libx264 otherwise).
VIDEO_HARDWARE_ENCODER = env_bool("VIDEO_HARDWARE_ENCODER", True)
# The public check page: largest upload, checks per IP per hour, video frames sampled.
CHECK_MAX_UPLOAD_MB = env_int("CHECK_MAX_UPLOAD_MB", 100)
CHECK_RATE_PER_HOUR = env_int("CHECK_RATE_PER_HOUR", 30)
CHECK_SAMPLE_FRAMES = env_int("CHECK_SAMPLE_FRAMES", 24)
