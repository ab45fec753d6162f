"""Relier settings: one module, driven by the environment (see .env.example and README.md).

With no variable set, Relier runs on the embedded default: SQLite, Celery tasks executed
eagerly in-process, a local-memory cache. DATABASE_URL and REDIS_URL switch on the full stack.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from backend.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "simple_history",
    "accounts",
    "activities",
    "matching",
    "curation",
    "notifications",
    "interop",
    "referrals",
    "impact",
    "visiting",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # ETag on every GET 200 and 304 for a matching If-None-Match (lists and details).
    "django.middleware.http.ConditionalGetMiddleware",
    "api.middleware.VaryOnAuthorizationMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # API bodies over the size limit refused before anything reads them, in the reader's
    # language; chunked bodies read within the same limit.
    "api.middleware.ApiRequestMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The audit trail (curation) records who made each change: the signed-in user of the
    # request, read when a row is saved (after DRF has authenticated the token).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"
ASGI_APPLICATION = "backend.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 60))
}
DATABASES["default"]["ATOMIC_REQUESTS"] = env_bool("ATOMIC_REQUESTS", default=True)
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if IS_POSTGRES:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Short queries only: JIT compilation costs far more than it saves on them, and a search
    # whose cost estimate crosses jit_above_cost would pay it on every request.
    # A client that died (a killed worker) has its statement cancelled within a second, even
    # one waiting on a lock, rather than carried out and committed on its behalf when the
    # lock comes free (notifications.delivery relies on it: a dead worker's turn on a claim
    # must not happen).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        "-c jit=off -c client_connection_check_interval=1000"
    )
    # Prepared statements are possible (Django turns them off), for the queries that ask:
    # the search's reads by primary key (activities.search.sql.fetch_prepared). Django's own
    # cursors bind on the client and never prepare, whatever this number.
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 5
else:
    # SQLite: writers wait for each other instead of failing. A deferred transaction (SQLite's
    # default) reads first and asks for the write lock only at its first write, when waiting
    # can no longer help: SQLite fails it at once with "database is locked" if another writer
    # committed since it read. IMMEDIATE takes the write lock when the transaction begins, so
    # the busy timeout applies and concurrent writers queue; with ATOMIC_REQUESTS this
    # serializes requests on the embedded default, which serves one city's demo. WAL lets
    # readers outside a transaction (management commands, tasks) go on while one writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20),
            "init_command": "PRAGMA journal_mode=WAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -----------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "relier"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Without a broker the embedded default runs every task in-process, at once.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A task is acknowledged once it has run (acks_late): when the process running it dies, the
# worker requeues it at once (reject_on_worker_lost); when the whole worker dies, Redis gives
# its unacknowledged messages to another worker once they are older than the visibility
# timeout, checked every 10 s. The timeout must outlast the longest task, or a task still
# running is handed out twice; a worker takes no message it cannot start at once
# (disable_prefetch), so the longest task is the time limit.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_DISABLE_PREFETCH = True
# Celery closes a worker's database connection before and after every task unless it is to be
# reused: a worker keeps it for this many tasks, and `backend.celery` closes it sooner as
# Django does between requests (older than CONN_MAX_AGE, or unusable).
CELERY_DB_REUSE_MAX = 1000
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
# Workers build the matcher's tables (candidate matrix, residents) before forking their pool,
# so that every process starts with them, shared copy-on-write (see matching/tasks.py).
MATCHING_WARM_WORKERS = env_bool("MATCHING_WARM_WORKERS", default=False)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT + 60),
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# A seat freed is offered to the first waitlisted resident for this long (never beyond the
# session's start); then it passes to the next.
REGISTRATION_OFFER_HOURS = env_int("REGISTRATION_OFFER_HOURS", 12)
CELERY_BEAT_SCHEDULE: dict = {
    "occurrences-roll-window": {
        "task": "activities.tasks.occurrences_roll_window_task",
        "schedule": 6 * 3600,
    },
    "recommendations-sweep": {
        "task": "matching.tasks.recommendations_sweep_task",
        "schedule": 15 * 60,
    },
    "registration-offers-expire": {
        "task": "activities.tasks.registration_offers_expire_task",
        "schedule": 5 * 60,
    },
    "tokens-flush-expired": {
        "task": "accounts.tasks.tokens_flush_expired_task",
        "schedule": 24 * 3600,
    },
    # Reminders that are due, and notifications whose quiet hours ended (notifications/tasks.py).
    "notifications-dispatch": {
        "task": "notifications.tasks.notifications_dispatch_task",
        "schedule": env_int("NOTIFICATIONS_DISPATCH_SECONDS", 60),
    },
    # Feeds imported with a schedule, read again when due (interop/tasks.py).
    "imports-read-feeds-again": {
        "task": "interop.tasks.imports_repeat_due_task",
        "schedule": 15 * 60,
    },
    "referrals-anonymize": {
        "task": "referrals.tasks.persons_anonymize_task",
        "schedule": 24 * 3600,
    },
    # Follow-up measures that fell due (6 weeks, 3 months after the first session attended).
    "impact-follow-ups": {
        "task": "impact.tasks.follow_ups_due_task",
        "schedule": 6 * 3600,
    },
    "impact-ties-rebuild": {
        "task": "impact.tasks.ties_rebuild_task",
        "schedule": 24 * 3600,
    },
    # Pairs of visiting teams without a contact for three weeks (visiting/tasks.py).
    "visiting-pair-health": {
        "task": "visiting.tasks.pair_health_check_task",
        "schedule": 6 * 3600,
    },
}

# --- Imports (interop/imports) ----------------------------------------------------------------
# An uploaded file or a fetched feed: at most this many bytes.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 10 * 1024 * 1024)
IMPORT_FETCH_TIMEOUT = env_int("IMPORT_FETCH_TIMEOUT", 30)
# Feeds on private, loopback or link-local addresses are refused unless this is set.
IMPORT_ALLOW_PRIVATE_HOSTS = env_bool("IMPORT_ALLOW_PRIVATE_HOSTS", default=False)

# --- Social prescribing (referrals/) ---------------------------------------------------------
# Days after a person's last referral closed before their record is anonymized (24 months).
REFERRALS_RETENTION_DAYS = env_int("REFERRALS_RETENTION_DAYS", 730)
# Days a shortlist's link (SMS, email, printed QR code) stays open after it is made.
REFERRALS_LINK_DAYS = env_int("REFERRALS_LINK_DAYS", 30)
# The public address the links and QR codes point at (scheme and host, no trailing slash).
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://localhost:8000")

# --- Notifications (notifications/backends) --------------------------------------------------
# Push: `log` (written to the log) or `native` (FCM for Android and web, APNs for iOS).
NOTIFICATIONS_PUSH_BACKEND = env_str("NOTIFICATIONS_PUSH_BACKEND", "log")
# Email: `log`, or `email` (Django's mail: EMAIL_HOST, EMAIL_PORT... as Django reads them).
NOTIFICATIONS_EMAIL_BACKEND = env_str("NOTIFICATIONS_EMAIL_BACKEND", "log")
NOTIFICATIONS_EMAIL_FROM = env_str("NOTIFICATIONS_EMAIL_FROM", "Relier <no-reply@localhost>")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
# Deliveries are claimed this many at a time (one statement). The claims of a worker killed
# during a chunk are taken over after the lease and sent; only the message it was handing to
# a channel at that moment is never sent again, whether or not it went out
# (notifications/delivery.py).
NOTIFICATIONS_CLAIM_CHUNK = env_int("NOTIFICATIONS_CLAIM_CHUNK", 50)
NOTIFICATIONS_CLAIM_LEASE_SECONDS = env_int("NOTIFICATIONS_CLAIM_LEASE_SECONDS", 600)
# The log backend also appends one JSON line per message to this file when it is set.
NOTIFICATIONS_LOG_FILE = env_str("NOTIFICATIONS_LOG_FILE")
# FCM HTTP v1: the service account's JSON key (its project_id unless FCM_PROJECT_ID is set).
NOTIFICATIONS_FCM_CREDENTIALS_FILE = env_str("NOTIFICATIONS_FCM_CREDENTIALS_FILE")
NOTIFICATIONS_FCM_PROJECT_ID = env_str("NOTIFICATIONS_FCM_PROJECT_ID")
NOTIFICATIONS_FCM_URL = env_str("NOTIFICATIONS_FCM_URL", "https://fcm.googleapis.com")
# APNs with a provider token: the .p8 key, its key id, the team id and the app's bundle id.
NOTIFICATIONS_APNS_URL = env_str("NOTIFICATIONS_APNS_URL", "https://api.push.apple.com")
NOTIFICATIONS_APNS_KEY_FILE = env_str("NOTIFICATIONS_APNS_KEY_FILE")
NOTIFICATIONS_APNS_KEY_ID = env_str("NOTIFICATIONS_APNS_KEY_ID")
NOTIFICATIONS_APNS_TEAM_ID = env_str("NOTIFICATIONS_APNS_TEAM_ID")
NOTIFICATIONS_APNS_TOPIC = env_str("NOTIFICATIONS_APNS_TOPIC")
# Certificate authorities to trust for APNs instead of the system's (a private test server).
NOTIFICATIONS_APNS_CA_FILE = env_str("NOTIFICATIONS_APNS_CA_FILE")
# SMS: `log`, or `http` (POST {"to", "from", "text"} as JSON to the provider's URL, with the
# key as a bearer token).
NOTIFICATIONS_SMS_BACKEND = env_str("NOTIFICATIONS_SMS_BACKEND", "log")
NOTIFICATIONS_SMS_URL = env_str("NOTIFICATIONS_SMS_URL")
NOTIFICATIONS_SMS_API_KEY = env_str("NOTIFICATIONS_SMS_API_KEY")
NOTIFICATIONS_SMS_SENDER = env_str("NOTIFICATIONS_SMS_SENDER", "Relier")

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Static files (the admin, the interactive API docs) are served by the app itself, also
# offline: the Swagger UI assets ship in a package instead of coming from a CDN.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- HTTP and security ----------------------------------------------------------------------
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/.*$"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- API ------------------------------------------------------------------------------------
# The largest request body, in bytes (API JSON bodies and admin forms alike): past it, 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_BODY_BYTES", 2_621_440)
# The API takes no cookie sessions; a CSRF failure (the admin's forms) under /api/ still
# answers in the error shape.
CSRF_FAILURE_VIEW = "api.errors.csrf_failure"
API_PAGE_SIZE = env_int("API_PAGE_SIZE", 20)
API_MAX_PAGE_SIZE = env_int("API_MAX_PAGE_SIZE", 100)

# The audit trail (curation): a curator's reason for a decision is free text of any length.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.CursorPagination",
    "PAGE_SIZE": API_PAGE_SIZE,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    # JSON bodies only, held to the limits of api/parsers.py; other media types get 415.
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONObjectParser"],
    "DEFAULT_RENDERER_CLASSES": ["api.renderers.FastJSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_THROTTLE_RATES": {
        "auth": env_str("THROTTLE_AUTH", "10/min"),
        "auth_email": env_str("THROTTLE_AUTH_EMAIL", "10/min"),
        "anon": env_str("THROTTLE_ANON", "600/min"),
        "user": env_str("THROTTLE_USER", "1200/min"),
    },
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "NUM_PROXIES": env_int("NUM_PROXIES", 0) or None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 30)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "SIGNING_KEY": env_str("JWT_SIGNING_KEY") or SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Relier API",
    "DESCRIPTION": (
        "Relier helps residents out of social isolation: find and be matched to local clubs, "
        "peer-support groups, friendship and visiting programmes. Associations publish their "
        "activities; municipalities curate the listings of their territory.\n\n"
        "Authentication: `POST /api/v1/auth/token/` returns a JWT access token (about 15 "
        "minutes) and a refresh token (about 30 days, rotated on every refresh). Send "
        "`Authorization: Bearer <access>`.\n\n"
        'Errors always have one shape: `{"error": {"code", "message", "fields"}}`. '
        "Messages follow `Accept-Language` (French by default, or English)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # 3.1: nullable is JSON Schema's own (`"type": [..., "null"]`, `oneOf` with `null` beside a
    # reference), which validators and generators read alike; 3.0's `nullable` beside `allOf`
    # is read by some as "never null".
    "OAS_VERSION": "3.1.0",
    # Bodies are JSON: nested objects, lists and null have no form encoding, so the document
    # offers no form content types to generated clients.
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The enum hook first (it names the enums), then the error answers (api/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.document_errors",
        "api.exports.document_export_schemas",
    ],
    # Vocabularies that share a field name ("kind", "status") each get their own name.
    "ENUM_NAME_OVERRIDES": {
        "ActivityKindEnum": "activities.choices.ActivityKind",
        "OrganizationKindEnum": "activities.choices.OrganizationKind",
        "TerritoryKindEnum": "activities.choices.TerritoryKind",
        "ActivityStatusEnum": "activities.choices.ActivityStatus",
        "OccurrenceStatusEnum": "activities.choices.OccurrenceStatus",
        "RegistrationStatusEnum": "activities.choices.RegistrationStatus",
        "AttendanceMarkEnum": "activities.choices.ATTENDANCE_MARKS",
        "PreferredLanguageEnum": "backend.settings.LANGUAGES",
        "ModerationActionEnum": "curation.choices.ModerationAction",
        "AuditActionEnum": "curation.choices.AuditAction",
        "ModerationDecisionEnum": "api.activities.DECISION_CHOICES",
        "ModerationQueueKindEnum": "curation.selectors.queue.KINDS",
        "ModerationQueueStatusEnum": "curation.selectors.queue.QUEUE_STATUSES",
        "ReportReasonEnum": "curation.choices.ReportReason",
        "ReportStatusEnum": "curation.choices.ReportStatus",
        "CollectionStatusEnum": "curation.choices.CollectionStatus",
        "ImportKindEnum": "interop.models.ImportKind",
        "ImportStateEnum": "interop.models.ImportState",
        "ImportRepeatEnum": "interop.models.ImportRepeat",
        "ReferralStatusEnum": "referrals.choices.ReferralStatus",
        "InstrumentEnum": "impact.choices.Instrument",
        "VisitOfferEnum": "visiting.choices.OFFER_NAMES",
        "VisitGenderEnum": "visiting.choices.Gender",
        "VisitTravelModeEnum": "visiting.choices.TravelMode",
        "VisitEnteredByEnum": "visiting.choices.EnteredBy",
        "VisitRequestStatusEnum": "visiting.choices.RequestStatus",
        "PairStatusEnum": "visiting.choices.PairStatus",
        "PairEndReasonEnum": "visiting.choices.EndReason",
        "VisitContactKindEnum": "visiting.choices.ContactKind",
        "PairingRunStatusEnum": "visiting.choices.RunStatus",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

# Demo data and the rolling window of materialized occurrences.
OCCURRENCE_WINDOW_WEEKS = env_int("OCCURRENCE_WINDOW_WEEKS", 12)

ADMIN_URL = env_str("DJANGO_ADMIN_URL", "admin/")
