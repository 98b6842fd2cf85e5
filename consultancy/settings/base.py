"""Settings, all read from the environment (django-environ).

| variable      | unset                                   | set                          |
|---------------|-----------------------------------------|------------------------------|
| DATABASE_URL  | SQLite file ``var/db.sqlite3``          | e.g. ``postgres://u:p@h/db`` |
| REDIS_URL     | Celery eager, local-memory cache        | Redis broker, results, cache |
| SECRET_KEY    | a development key, only when DEBUG on   | required when DEBUG is off   |
| DEBUG         | off                                     |                              |
| ALLOWED_HOSTS | localhost, 127.0.0.1 (with DEBUG on)    | comma separated              |
| EMAIL_URL     | console backend                         | e.g. ``smtp+tls://u:p@h:587`` |
| MEDIA_ROOT    | ``var/private``                         | private files (never served) |
| FILE_STORAGE  | ``filesystem`` (MEDIA_ROOT)             | ``s3``: AWS_STORAGE_BUCKET_NAME, AWS_S3_ENDPOINT_URL |
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from django_guid.integrations import CeleryIntegration

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment; only DEBUG=1 runs "
            "with the built-in development key."
        )
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "consultancy.tenancy.apps.ConsultancyAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "simple_history",
    "axes",
    "csp",
    "django_guid",
    "health_check",
    "consultancy.tenancy",
    "consultancy.outbox",
    "consultancy.notifications",
    "consultancy.workdays",
    "consultancy.activity",
    "consultancy.search",
    "consultancy.clients",
    "consultancy.documents",
    "engagements",
    "contracts",
    "delivery",
    "hazards",
    "feedback",
    "dashboard",
    "portal",
    "consultancy.imports",
    "consultancy.agenda",
    "consultancy.demo",
]

MIDDLEWARE = [
    # The request id (django-guid): taken from X-Request-ID when it is a UUID, else made;
    # every log line of the request, and of the background jobs it asked for, carries it.
    "django_guid.middleware.guid_middleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Security: CSP and the other headers on every page the application renders.
    "csp.middleware.CSPMiddleware",
    "consultancy.tenancy.security.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # ``request.htmx``: early, so that every later middleware and view asks it the same way.
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Security: idle and absolute session lifetimes.
    "consultancy.tenancy.security.SessionLifetimeMiddleware",
    "consultancy.tenancy.middleware.UserLanguageMiddleware",
    "consultancy.tenancy.middleware.FirmScopeMiddleware",
    "consultancy.tenancy.middleware.ClientContactConfinementMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "consultancy.refusals.RefusalMiddleware",
    # A form's one-time token: the same submission twice acts once (after the refusals,
    # so that it sees a refusal first).
    "consultancy.tenancy.once.OnceMiddleware",
    # Security: the login lockout's response (django-axes); last, as axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "consultancy.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "builtins": ["consultancy.tenancy.templatetags.once",
                         "consultancy.tenancy.templatetags.money"],
        },
    },
]

WSGI_APPLICATION = "consultancy.wsgi.application"

VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# PostgreSQL: row-level security on every firm-owned table (consultancy.tenancy.rls). The
# backend sets each connection's firm from the firm scope. DATABASE_URL is the runtime role
# (neither superuser nor owner); migrations run as the owner role, which grants the runtime
# role DATABASE_APP_ROLE its rights (README, "PostgreSQL").
DATABASE_APP_ROLE = env.str("DATABASE_APP_ROLE", default="")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "consultancy.tenancy.postgresql"
    # Persistent connections (seconds; 0 closes at the end of each request), checked before
    # a request reuses one (a connection the server dropped is replaced, not an error).
    # The firm is reset to "none" at the end of every request (FirmScopeMiddleware), so a
    # kept connection never carries one request's firm into the next.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DATABASE_CONN_HEALTH_CHECKS",
                                                          default=True)
    # ...or Django's psycopg pool (needs CONN_MAX_AGE 0).
    if env.bool("DATABASE_POOL", default=False):
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = True
        DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Behind pgbouncer in transaction mode: the firm is set per transaction (SET LOCAL),
    # and server-side cursors (which outlive a transaction) are off.
    if env.bool("DATABASE_TRANSACTION_POOLING", default=False):
        DATABASES["default"]["RLS_SET_LOCAL"] = True
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A busy timeout keeps the dev server and an eager Celery task from tripping over a lock.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "tenancy.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"


# Languages: Simplified Chinese by default, English by choice (per user, else the browser).
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Front-end packages come from the npm registry at set-up (package-lock.json); never committed.
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules" / "bootstrap-icons" / "font"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]

# Private files: uploads and generated PDFs live under MEDIA_ROOT/<firm_id>/…, and are
# served only by views that check the firm and the role (consultancy.documents). There is
# deliberately no MEDIA_URL route.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "private")))
# No URL serves MEDIA_ROOT (tests/tenancy/test_access.py checks it); Django only needs a
# non-empty prefix here (its test live server would otherwise treat every path as media).
MEDIA_URL = "/_private-files-are-never-served/"
STORAGES = {
    "default": {"BACKEND": "consultancy.documents.storage.PrivateStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
# FILE_STORAGE=s3: the private files on S3-compatible object storage (django-storages,
# boto3; consultancy.documents.s3), so that web and worker processes on several machines
# share them (docs/scaling.md). The bucket must be private; the keys come from the
# environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, or the machine's role). Downloads
# are still streamed by the views that check firm and role; no bucket URL is ever shown.
FILE_STORAGE = env.str("FILE_STORAGE", default="filesystem")
if FILE_STORAGE not in ("filesystem", "s3"):
    raise ImproperlyConfigured("FILE_STORAGE is 'filesystem' (the default) or 's3'.")
AWS_QUERYSTRING_EXPIRE = env.int("AWS_QUERYSTRING_EXPIRE", default=60)
if FILE_STORAGE == "s3":
    AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
    if not AWS_STORAGE_BUCKET_NAME:
        raise ImproperlyConfigured("FILE_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
    STORAGES["default"] = {
        "BACKEND": "consultancy.documents.s3.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            # e.g. https://minio.internal:9000 (MinIO, Ceph) or a cloud's regional endpoint;
            # unset: AWS's.
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "location": env.str("AWS_LOCATION", default=""),  # a key prefix in the bucket
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="") or None,
            # Unset or empty: boto3's own chain (e.g. the machine's role).
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
        },
    }

# Uploads (ASVS V12.1): a request body larger than MAX_UPLOAD_MB (the largest file a form
# accepts, 30 MB for a project document, and the form around it) is refused with a 413
# before it is read (consultancy.tenancy.upload_limit; the reverse proxy refuses the same,
# see the README). Each field's own cap is checked by its UploadValidator. Files above
# FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file; DATA_UPLOAD_MAX_MEMORY_SIZE caps
# the rest of a form.
MAX_UPLOAD_MB = env.int("MAX_UPLOAD_MB", default=32)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Large uploads are spooled inside MEDIA_ROOT, on the same filesystem as their final place
# (a rename, never a copy across filesystems; in docker-compose, the files' volume).
FILE_UPLOAD_TEMP_DIR = MEDIA_ROOT / ".upload-tmp"
FILE_UPLOAD_TEMP_DIR.mkdir(parents=True, exist_ok=True)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.locale.LocaleMiddleware") + 1,
                  "consultancy.tenancy.upload_limit.UploadSizeLimitMiddleware")

# Email: console by default, so password resets show up in the terminal.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@consultancy.localhost")

# Redis: optional. Unset, Celery runs tasks in-process and the cache is local memory.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "consultancy.tenancy.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "consultancy",
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
    # One beat sends the schedule, however many run (consultancy.outbox.beat): the others
    # stand by until its lock in Redis, renewed on every tick, is released or expires.
    CELERY_BEAT_SCHEDULER = "consultancy.outbox.beat:GuardedScheduler"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# Pages kept in the cache until the firm's records change (consultancy.tenancy.pagecache):
# on by default only with Redis, the cache every web process and worker shares.
PAGE_CACHE = env.bool("PAGE_CACHE", default=bool(REDIS_URL))
# The code's release (a deploy's tag): part of every cached page's key. Unset, a digest of
# the templates' and translations' files is used.
RELEASE = env.str("RELEASE", default="")
PAGE_CACHE_PREFIX = "pagecache"  # its keys' prefix (the test suite varies it)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Nothing reads a task's return value: the outbox row and the task's own rows say how it
# went (a task that wants its result sets ignore_result=False).
CELERY_TASK_IGNORE_RESULT = True

# Background work (DESIGN.md, "Background work"; consultancy.outbox). Every task has a soft
# limit (it is told, and records a plain failure) and a hard one (its process is killed);
# a PDF render has its own, longer pair. Redis hands an unacknowledged message to another
# worker after the visibility timeout: a few times the longest render, so a slow render is
# never run twice, and a dead worker's job comes back within minutes (the outbox's sweep
# usually sends it again sooner: when the job's claim runs out).
CELERY_TASK_SOFT_TIME_LIMIT = env.int("TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("TASK_TIME_LIMIT", default=90)
PDF_SOFT_TIME_LIMIT = env.int("PDF_SOFT_TIME_LIMIT", default=90)
PDF_TIME_LIMIT = env.int("PDF_TIME_LIMIT", default=120)
# A PDF's size: at most this many pages, and this many characters of HTML (checked before
# the typesetting; about PDF_MAX_PAGES pages of a dense dossier). An engagement dossier
# past DOSSIER_VOLUME_RECORDS records is made in volumes by clause (dashboard.pdf).
PDF_MAX_PAGES = env.int("PDF_MAX_PAGES", default=200)
PDF_MAX_HTML_CHARS = env.int("PDF_MAX_HTML_CHARS", default=2_000_000)
DOSSIER_VOLUME_RECORDS = env.int("DOSSIER_VOLUME_RECORDS", default=150)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("BROKER_VISIBILITY_TIMEOUT", default=5 * PDF_TIME_LIMIT),
    # A broker that is down or hangs is given up on quickly; the outbox keeps the job.
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 1,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = False
# A worker process that grew past this (in KiB, after a task) is replaced by a fresh one:
# a large PDF cannot keep its memory for the next job.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("WORKER_MAX_MEMORY_MB", default=400) * 1024
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("WORKER_MAX_TASKS_PER_CHILD", default=200)
# The outbox: how long a job handed to the broker may wait for a worker, how long past its
# hard limit a running job may go unacknowledged, before the sweep sends it again; how
# often the beat sweeps; how long the relay leaves the broker alone after it failed.
OUTBOX_QUEUE_CLAIM_SECONDS = env.int("OUTBOX_QUEUE_CLAIM_SECONDS", default=300)
OUTBOX_RUNNING_GRACE_SECONDS = env.int("OUTBOX_RUNNING_GRACE_SECONDS", default=60)
OUTBOX_SWEEP_SECONDS = env.int("OUTBOX_SWEEP_SECONDS", default=30)
OUTBOX_SWEEP_MIN_AGE_SECONDS = env.int("OUTBOX_SWEEP_MIN_AGE_SECONDS", default=5)
OUTBOX_BROKER_BACKOFF_SECONDS = env.int("OUTBOX_BROKER_BACKOFF_SECONDS", default=10)
# The health check: unhealthy when an open job is older than this, or the beat's sweep
# has not run for this long.
# The benchmark's yardstick views (/bench/bare, /bench/one-query): `make bench` only.
BENCH_VIEWS = env.bool("BENCH_VIEWS", default=False)
HEALTH_OUTBOX_MAX_AGE_SECONDS = env.int("HEALTH_OUTBOX_MAX_AGE_SECONDS", default=900)
HEALTH_BEAT_MAX_AGE_SECONDS = env.int("HEALTH_BEAT_MAX_AGE_SECONDS", default=300)

# The beat's lock (consultancy.outbox.beat): where, under which key, for how long without
# a renewal (a stand-by beat takes over at most this long after the sending one died).
BEAT_LOCK_URL = env.str("BEAT_LOCK_URL", default=REDIS_URL)
BEAT_LOCK_KEY = env.str("BEAT_LOCK_KEY", default="consultancy:beat-lock")
BEAT_LOCK_SECONDS = env.int("BEAT_LOCK_SECONDS", default=60)

CELERY_BEAT_SCHEDULE = {
    # Clause 9 reminders: follow-up visits and guidance periods coming due, overdue
    # complaint steps, unanswered surveys, expiring certificates (feedback.tasks).
    "feedback-daily-reminders": {
        "task": "feedback.tasks.send_all_daily_reminders",
        "schedule": crontab(hour=7, minute=30),  # CELERY_TIMEZONE is Asia/Shanghai
    },
    # Hidden dangers: a 重大隐患 not yet acknowledged, overdue rectifications (hazards.tasks).
    "hazard-daily-reminders": {
        "task": "hazards.tasks.send_all_hazard_reminders",
        "schedule": crontab(hour=7, minute=40),
    },
    # The outbox's sweep: jobs the relay could not send, jobs whose worker died.
    "outbox-sweep": {
        "task": "consultancy.outbox.tasks.sweep_outbox",
        "schedule": OUTBOX_SWEEP_SECONDS,
    },
}
# Absolute links in e-mails sent by background tasks (survey links, reminders). By default
# the address `make run` serves on: `make run PORT=8001` exports PORT.
PORT = env.int("PORT", default=8000)
SITE_URL = env.str("SITE_URL", default=f"http://127.0.0.1:{PORT}")
# WeChat Work and DingTalk group robots (consultancy.notifications.chat): how long a post
# may take before it counts as failed (and is retried with the notice's task).
CHAT_WEBHOOK_TIMEOUT = env.int("CHAT_WEBHOOK_TIMEOUT", default=5)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# ---------------------------------------------------------------------------------------
# Security (OWASP ASVS 4.0.3 level 2; the README's "Security" section)
# ---------------------------------------------------------------------------------------

# Passwords (V2.1): at least 12 characters, not a common one, not like the user's details.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login lockout (V2.2.1, django-axes): after LOGIN_FAILURE_LIMIT failed logins for one
# account, or from one address, within the cool-off, every login for it is refused (the
# right password too) until LOGIN_LOCKOUT_MINUTES have passed without a further failure,
# or a manager (their firm's users) or the platform operator unlocks it in the admin.
AUTHENTICATION_BACKENDS = [
    "consultancy.tenancy.security.LoginLockoutBackend",
    # Django's model backend, reading the session's user before the firm is known.
    "consultancy.tenancy.backends.FirmUserBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=60))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"  # AuthenticationForm's name for the e-mail field
AXES_USERNAME_CALLABLE = "consultancy.tenancy.security.lockout_username"
AXES_CLIENT_IP_CALLABLE = "consultancy.tenancy.security.client_ip"
AXES_LOCKOUT_CALLABLE = "consultancy.tenancy.security.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# Password-reset requests (V2.5): at most this many an hour per e-mail address and per
# client address; beyond, the form says so and sends nothing.
PASSWORD_RESET_LIMIT_PER_HOUR = env.int("PASSWORD_RESET_LIMIT_PER_HOUR", default=5)
RATE_LIMIT_CACHE_PREFIX = "ratelimit"  # the counters' cache keys (the test suite varies it)

# Sessions (V3.3): logged out after SESSION_IDLE_TIMEOUT_MINUTES without a request and
# SESSION_MAX_AGE_HOURS after logging in; the cookie dies with the absolute lifetime.
SESSION_IDLE_TIMEOUT_MINUTES = env.int("SESSION_IDLE_TIMEOUT_MINUTES", default=120)
SESSION_MAX_AGE_HOURS = env.int("SESSION_MAX_AGE_HOURS", default=12)
SESSION_COOKIE_AGE = SESSION_MAX_AGE_HOURS * 3600
# Read from the cache (Redis when set), written through to the database: a query saved on
# every request, and no session lost when the cache is.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False

# Content-Security-Policy (V14.4.3, django-csp): scripts only from our own static files,
# no inline script or event handler. Styles allow 'unsafe-inline' for style attributes
# (risk-level colours, Django's admin); no script can set them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    },
}
# The other headers (V14.4): SecurityMiddleware and tenancy.security.SecurityHeadersMiddleware.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)

# HTTPS (V9.1): with DEBUG off, plain HTTP is redirected and HSTS is sent. BEHIND_PROXY=true
# (only when a reverse proxy terminates TLS and sets X-Forwarded-Proto / X-Forwarded-For)
# makes Django believe those headers; without a proxy they are ignored. SECURE_COOKIES=false
# and SECURE_SSL_REDIRECT=false together serve over plain HTTP (a trial off localhost).
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz(/worker|/beat)?$"]  # the container's health check speaks HTTP
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
# ---------------------------------------------------------------------------------------

PRODUCT_NAME = _("Safety Consulting Workbench")

# Logging: every line has the time, the level, the logger and the request id (django-guid;
# "-" outside a request or job). LOG_FORMAT=json writes one JSON object per line
# (python-json-logger) for a log collector; the default is plain text.
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "consultancy.logs.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                             "formatter": "json" if LOG_FORMAT == "json" else "text"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # WeasyPrint logs every step of every render at INFO; its warnings still show.
        "weasyprint.progress": {"level": "WARNING"},
        # django-guid says at INFO where each id came from.
        "django_guid": {"level": "WARNING"},
    },
}
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": False,
    "IGNORE_URLS": ["healthz"],
    # In a worker, the id of the request that asked for the job (the outbox publishes
    # under it).
    "INTEGRATIONS": [CeleryIntegration(use_django_logging=True, log_parent=False)],
}

# Errors to Sentry when SENTRY_DSN is set (sentry-sdk: Django and Celery); off otherwise.
# No personal data is sent (send_default_pii off); SENTRY_TRACES_SAMPLE_RATE turns on
# performance tracing.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        release=env.str("SENTRY_RELEASE", default="") or None,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,
    )

# History is for reading: reverting through the admin would bypass the services and the
# frozen-record rules (DESIGN.md, "The engagement and its gates").
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_HISTORY_ID_USE_UUID = False

# Number formats: zh-hans groups amounts by thousands (consultancy/formats/zh_Hans).
FORMAT_MODULE_PATH = ["consultancy.formats"]
