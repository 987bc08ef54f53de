"""Settings for Registri IKM.

Everything that differs between machines comes from the environment or a `.env` file in the
project directory (django-environ). See the configuration table in README.md.
"""

import copy
import importlib.util
import os
from datetime import timedelta
from pathlib import Path

import environ

from ikm_registry.object_storage import media_storages

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost"]),
    CSRF_TRUSTED_ORIGINS=(list, []),
    TIME_ZONE=(str, "Asia/Jakarta"),
    LANGUAGE_CODE=(str, "id"),
    MEDIA_ROOT=(str, str(BASE_DIR / "media")),
    STATIC_ROOT=(str, str(BASE_DIR / "staticfiles")),
    CONN_MAX_AGE=(int, 60),
    PUBLIC_BASE_URL=(str, ""),
)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env("DEBUG")
# Management commands and tests work without a key; the WSGI/ASGI entry points refuse to serve with this
# default when DEBUG is off (see ikm_registry/wsgi.py), so production must set SECRET_KEY.
INSECURE_DEFAULT_SECRET_KEY = "dev-only-insecure-key-change-me"
SECRET_KEY = env("SECRET_KEY", default=INSECURE_DEFAULT_SECRET_KEY)
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")
# A refused form answers with the site's own page (the admin's under /admin/), not Django's English one.
CSRF_FAILURE_VIEW = "ikm_registry.error_pages.csrf_failure"
# Where the public site answers, for links printed on paper (QR codes of profiles, certificates) by management
# commands and the worker; admin pages use the address they were reached by (ikm_registry/public_url.py). Unset:
# http://127.0.0.1:8000, and `check --deploy` warns when DEBUG is off.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL")

INSTALLED_APPS = [
    "ikm_registry.apps.RegistryAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # robots.txt and the sitemap index with its sections (ikm_registry/sitemaps.py): its views and XML templates.
    "django.contrib.sitemaps",
    # Full-text and trigram search on PostgreSQL (lookups only take effect on a PostgreSQL connection).
    "django.contrib.postgres",
    "django_filters",
    # For its static files: htmx (instant filtering). Leaflet's come from django-leaflet, see STATICFILES_DIRS.
    "django_htmx",
    "simple_history",
    # Before django_tasks_db: its `db_worker` command is ikm_registry's (the same worker, plus a heartbeat).
    "ikm_registry",
    "django_tasks",
    "django_tasks_db",
    "businesses",
    "events",
    "certification",
    # Issue 14: the API (/api/) with its OpenAPI schema and docs; CORS headers on the public reads.
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Values read once per request (whether the stored directory counts hold): ikm_registry/request_memo.py.
    "ikm_registry.request_memo.RequestMemoMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything that may answer (CommonMiddleware): a CORS preflight gets its headers.
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ikm_registry.middleware.ChosenLanguageMiddleware",
    # After the language is chosen (its message is translated), before anything reads the parameters.
    "ikm_registry.middleware.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    # After the host is checked: admin pages print links (QR codes) to the host they were reached by.
    "ikm_registry.public_url.PublicBaseUrlMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Anonymous reads of public pages from DATABASE_REPLICA_URL when there is one (ikm_registry/replica.py).
    "ikm_registry.replica.PublicReadMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "ikm_registry.urls"

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
        },
    },
]

WSGI_APPLICATION = "ikm_registry.wsgi.application"

# SQLite file in the project by default; PostgreSQL via DATABASE_URL=postgres://user@host:5432/name
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Reuse connections between requests; a new PostgreSQL connection per request is expensive.
    DATABASES["default"]["CONN_MAX_AGE"] = env("CONN_MAX_AGE")
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The JIT compiler costs 0.1–0.4 s on the directory's facet counts and wins nothing on short web queries.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", "transaction_mode": "IMMEDIATE"}
    )
    # IMMEDIATE transactions take the single write lock at BEGIN; a writer waits this long (s) for another to finish
    # before giving up with "database is locked" (Python's default is 5 s; a large import holds the lock longer).
    DATABASES["default"]["OPTIONS"].setdefault("timeout", env.int("SQLITE_BUSY_TIMEOUT", default=20))

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.int("DATABASE_POOL_MAX_SIZE", default=0):
    # psycopg's connection pool in each server process (instead of CONN_MAX_AGE): at most this many connections
    # per process, opened ahead and shared by its threads. With PgBouncer in front, leave it 0.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=1),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE"),
        "timeout": env.int("DATABASE_POOL_TIMEOUT", default=10),
    }
# A read replica (e.g. a PostgreSQL streaming replica) serving the public site's anonymous reads; everything else
# stays on DATABASE_URL (ikm_registry/replica.py). Tests use the primary for it (TEST MIRROR).
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    for key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "OPTIONS"):
        if key in DATABASES["default"]:
            DATABASES["replica"][key] = copy.deepcopy(DATABASES["default"][key])
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["ikm_registry.replica.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Indonesian is the source language of our own strings; English is the translation.
LANGUAGE_CODE = env("LANGUAGE_CODE")
# Each language is named in its own language in the switcher.
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# The Leaflet build shipped in the django-leaflet package, served as static/leaflet/ (the map of the directory).
# Only its files are used; the app itself is not installed because it pulls in GeoDjango and GDAL.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("leaflet", Path(importlib.util.find_spec("leaflet").submodule_search_locations[0]) / "static" / "leaflet"),
]
STATIC_ROOT = env("STATIC_ROOT")
# Uploaded files: under MEDIA_ROOT (public media) and PRIVATE_FILES_ROOT (private files), or on S3-compatible object
# storage with MEDIA_STORAGE=s3 and the AWS_* variables (ikm_registry/object_storage.py; README, Past one machine).
_media = media_storages(os.environ)  # os.environ holds .env's values too (read_env above)
STORAGES = {
    "default": _media.default,
    # Private files (ikm_registry.private_files.private_storage): never given an address, served by views that check
    # their owner.
    "private": _media.private,
    # After collectstatic, WhiteNoise serves the files gzip/brotli-compressed. Plain names (no manifest), so a
    # server started without collectstatic still renders its pages.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# How long browsers keep static files (seconds); after an upgrade a phone may use the old CSS this long.
WHITENOISE_MAX_AGE = env.int("STATIC_MAX_AGE", default=3600)
MEDIA_URL = "media/"
MEDIA_ROOT = env("MEDIA_ROOT")

# Background work (a long Daftar IKM): django-tasks with its database backend, so no extra server; run the worker
# with `manage.py db_worker`. Reports longer than REPORT_BACKGROUND_ROWS rows are queued from the admin; a queued
# report is rendered by REPORT_WORKERS processes; finished files live in PRIVATE_FILES_ROOT (below), outside MEDIA_ROOT
# (only their owner downloads them, through the admin).
TASKS = {"default": {"BACKEND": env("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")}}
REPORT_BACKGROUND_ROWS = env.int("REPORT_BACKGROUND_ROWS", default=300)
REPORT_WORKERS = env.int("REPORT_WORKERS", default=2)

# --- Private files, background jobs and import limits (issue 9: points 6, 7, 13) ---------------------------------
# Private files (import uploads, rejects files, background reports) live under PRIVATE_FILES_ROOT, outside
# MEDIA_ROOT, under random names; only their owner downloads them, through the admin. REPORT_FILES_ROOT, the name of
# this setting before, still works. `manage.py purge_private_files` (cron, or the worker once a day) deletes them
# after PRIVATE_FILES_RETENTION_DAYS.
PRIVATE_FILES_ROOT = env(
    "PRIVATE_FILES_ROOT", default=env("REPORT_FILES_ROOT", default=str(BASE_DIR / "var" / "private"))
)
PRIVATE_FILES_RETENTION_DAYS = env.int("PRIVATE_FILES_RETENTION_DAYS", default=30)
# The worker (`manage.py db_worker`) records itself every WORKER_HEARTBEAT_SECONDS; a worker not seen for
# WORKER_STALE_SECONDS (or whose process is gone, on the same machine) is dead: its running job is tried once more
# (JOB_MAX_ATTEMPTS in all), then failed with a message.
WORKER_HEARTBEAT_SECONDS = env.int("WORKER_HEARTBEAT_SECONDS", default=15)
WORKER_STALE_SECONDS = env.int("WORKER_STALE_SECONDS", default=90)
JOB_MAX_ATTEMPTS = env.int("JOB_MAX_ATTEMPTS", default=2)
# Business imports: at most IMPORT_MAX_ROWS rows; an XLSX may unpack to at most IMPORT_MAX_UNPACKED_MB and no
# member may be compressed more than IMPORT_MAX_COMPRESSION_RATIO times (a zip bomb); a CSV may be at most
# IMPORT_MAX_UNPACKED_MB. Files of more than IMPORT_BACKGROUND_ROWS rows are checked and applied by the worker.
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=100_000)
IMPORT_MAX_UNPACKED_MB = env.int("IMPORT_MAX_UNPACKED_MB", default=200)
IMPORT_MAX_COMPRESSION_RATIO = env.int("IMPORT_MAX_COMPRESSION_RATIO", default=100)
IMPORT_BACKGROUND_ROWS = env.int("IMPORT_BACKGROUND_ROWS", default=2_000)
# Business exports read EXPORT_CHUNK_SIZE rows per fetch of a server-side cursor (and per query of their figures).
# A CSV streams whatever its length; an XLSX (or the Daftar) of more than EXPORT_INLINE_MAX_ROWS rows is made by the
# worker, and the user downloads it from the jobs page.
EXPORT_CHUNK_SIZE = env.int("EXPORT_CHUNK_SIZE", default=2_000)
EXPORT_INLINE_MAX_ROWS = env.int("EXPORT_INLINE_MAX_ROWS", default=10_000)
# --- end of private files, background jobs and import limits -------------------------------------------------------

LOGIN_URL = "admin:login"

# Cache for anonymous public pages and their counts (ikm_registry/public_cache.py) and for rate-limit counters.
# The default is a table in the registry's database (created by `migrate`), so every server process and machine of
# an install shares it: a change retires cached pages everywhere at once. A dbcache:// URL gets our DatabaseCache,
# whose increments are atomic (rate limits count with them) and whose culls keep the public data version. Redis
# (redis://...) is the faster shared choice. max_entries: room for the pages rendered within PUBLIC_CACHE_SECONDS
# on a busy site (~6 KB a page: ~60 MB), while the row count Django makes on every set stays under 1 ms.
CACHES = {"default": env.cache_url("CACHE_URL", default="dbcache://registri_ikm_cache?max_entries=10000")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache":
    CACHES["default"]["BACKEND"] = "ikm_registry.cache.DatabaseCache"
# How long a public page may be served from the cache without a change (seconds); also its HTTP max-age.
PUBLIC_CACHE_SECONDS = env.int("PUBLIC_CACHE_SECONDS", default=300)
PUBLIC_HTTP_MAX_AGE = env.int("PUBLIC_HTTP_MAX_AGE", default=60)
# Counts over the whole registry (result and filter counts, home page, statistics) may lag a change this long (s).
PUBLIC_COUNTS_MAX_AGE = env.int("PUBLIC_COUNTS_MAX_AGE", default=60)
DIRECTORY_PAGE_SIZE = env.int("DIRECTORY_PAGE_SIZE", default=20)
# The directory map shows at most this many markers (the first of the result order).
# National scale (businesses/services/directory_counts.py): the directory's facet counts, the home page and Statistik
# read counts the worker refreshes when the public data changed, at most every DIRECTORY_COUNTS_INTERVAL_SECONDS
# (checked every DIRECTORY_COUNTS_CHECK_SECONDS). Up to DIRECTORY_LIVE_COUNT_MAX results are counted live (exactly,
# at once); above that a list says "lebih dari" that number unless the stored counts cover its filters.
DIRECTORY_COUNTS_INTERVAL_SECONDS = env.int("DIRECTORY_COUNTS_INTERVAL_SECONDS", default=600)
DIRECTORY_COUNTS_CHECK_SECONDS = env.int("DIRECTORY_COUNTS_CHECK_SECONDS", default=60)
DIRECTORY_LIVE_COUNT_MAX = env.int("DIRECTORY_LIVE_COUNT_MAX", default=10_000)
# A text search (q) reads at most this many matches, ranks and counts them, and pages within them (ikm_registry/keyset.py
# window_page): more matches say "lebih dari" this number and ask for a narrower search.
DIRECTORY_SEARCH_MAX = env.int("DIRECTORY_SEARCH_MAX", default=1000)
# Admin lists count their rows exactly up to this many; longer lists show PostgreSQL's estimate ("± N").
ADMIN_EXACT_COUNT_MAX = env.int("ADMIN_EXACT_COUNT_MAX", default=10_000)
# An admin list filter on a relation offers up to this many related rows as links; more are chosen by autocomplete.
ADMIN_FILTER_OPTIONS_MAX = env.int("ADMIN_FILTER_OPTIONS_MAX", default=100)
# Admin list pages are numbered up to this one (an OFFSET); later pages follow "Berikutnya" links (keyset).
ADMIN_MAX_PAGE_NUMBER = env.int("ADMIN_MAX_PAGE_NUMBER", default=50)
# Pages asked for by number (?page=N, old links) are served up to this one; later pages follow the "Berikutnya" links.
DIRECTORY_MAX_PAGE_NUMBER = env.int("DIRECTORY_MAX_PAGE_NUMBER", default=50)
# The directory's sentra filter lists the sentra of the results when they are at most this many (a regency's);
# otherwise a sentra is chosen from its own page ("Lihat anggota di direktori").
DIRECTORY_SENTRA_OPTIONS_MAX = env.int("DIRECTORY_SENTRA_OPTIONS_MAX", default=100)
DIRECTORY_MAP_LIMIT = env.int("DIRECTORY_MAP_LIMIT", default=1000)

# --- public statistics: frozen yearly releases (businesses/services/statistics.py) ---
# The sums of a data year (workforce, investment) are released once the year is settled, this many months after it
# ends (6: the figures of 2025 on 1 July 2026), then never change. A year is released only with at least
# STATISTICS_MIN_BUSINESSES businesses; a sum that fails the p% dominance rule (STATISTICS_DOMINANCE_P) is withheld.
STATISTICS_RELEASE_MONTHS = env.int("STATISTICS_RELEASE_MONTHS", default=6)
STATISTICS_MIN_BUSINESSES = env.int("STATISTICS_MIN_BUSINESSES", default=3)
STATISTICS_DOMINANCE_P = env.int("STATISTICS_DOMINANCE_P", default=10)

# --- open data (/data/, the CKAN action API /api/3/action/..., /catalog.jsonld: ikm_registry/opendata/) ---
# The agency that produces the data (produsen data; the CKAN organization and the DCAT publisher), e.g. "Dinas
# Perindustrian dan Perdagangan Provinsi Bali"; the datasets' license (an SPDX identifier: CC-BY-4.0, CC0-1.0,
# CC-BY-SA-4.0, ODbL-1.0, PDDL-1.0 are known to CKAN and DCAT by name and address); how long (seconds) a dataset's
# rows may lag a change to the registry (they are counted at most, and at least, this often).
OPEN_DATA_PUBLISHER = env("OPEN_DATA_PUBLISHER", default="Dinas Perindustrian dan Perdagangan")
OPEN_DATA_LICENSE = env("OPEN_DATA_LICENSE", default="CC-BY-4.0")
OPEN_DATA_MAX_AGE = env.int("OPEN_DATA_MAX_AGE", default=3600)

# --- product photos (businesses/photos.py) ---
# An upload larger than PHOTO_MAX_UPLOAD_MB or with more than PHOTO_MAX_MEGAPIXELS (read from the image header,
# before decoding) is refused. Every stored photo is re-encoded as JPEG (EXIF and GPS dropped, orientation applied)
# with its longer side at most PHOTO_MAX_SIDE pixels, plus a thumbnail of PHOTO_THUMBNAIL_SIDE for PDFs and the
# admin, and (product photos) a small one of PHOTO_SMALL_SIDE for public pages (two pixels per CSS pixel of a card).
PHOTO_MAX_UPLOAD_MB = env.float("PHOTO_MAX_UPLOAD_MB", default=10)
PHOTO_MAX_MEGAPIXELS = env.float("PHOTO_MAX_MEGAPIXELS", default=50)
PHOTO_MAX_SIDE = env.int("PHOTO_MAX_SIDE", default=1600)
PHOTO_THUMBNAIL_SIDE = env.int("PHOTO_THUMBNAIL_SIDE", default=480)
PHOTO_SMALL_SIDE = env.int("PHOTO_SMALL_SIDE", default=320)
# django-cleanup, for the models marked @cleanup.select only (Product): deletes a replaced or deleted file once the
# transaction commits. Last in INSTALLED_APPS, as it asks.
INSTALLED_APPS += ["django_cleanup.apps.CleanupSelectedConfig"]

if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)

# --- Logging: every record to stderr, "2026-11-22 14:05:03+0800 ERROR django.request Internal Server Error: /x/"
# followed by the traceback (ikm_registry/logs.py); LOG_LEVEL sets the least severe level written. Django's own
# loggers write there too (server errors with their traceback, security warnings); runserver keeps its request lines.
LOG_LEVEL = env("LOG_LEVEL", default="INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "registry": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s", "datefmt": "%Y-%m-%d %H:%M:%S%z"}
    },
    "handlers": {"stderr": {"class": "ikm_registry.logs.StderrHandler", "formatter": "registry"}},
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["stderr"], "level": LOG_LEVEL, "propagate": False},
        # WeasyPrint logs each layout step at INFO (a dozen lines per PDF) and fontTools each subsetting step: only
        # their warnings (a missing image, a bad font) are worth a line.
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Signing in: login throttling (django-axes), password reset mail, rate limits (ikm_registry/accounts.py) ------
# Failed logins are counted per username and client address together (an office shares one public address); after
# LOGIN_FAILURE_LIMIT failures that pair is refused for LOGIN_COOLOFF_MINUTES, the right password included.
INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]  # last, as django-axes asks
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no start-up banner on every command; failures and lockouts are still logged
AXES_LOCKOUT_CALLABLE = "ikm_registry.accounts.lockout_response"
AXES_CLIENT_IP_CALLABLE = "ikm_registry.clients.client_ip"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]  # unused (AXES_CLIENT_IP_CALLABLE decides); keeps its check quiet
# Behind a reverse proxy: the header carrying the visitor's address (X-Real-IP, or X-Forwarded-For whose right-most
# address is used). Login throttling and rate limits count per that address; empty: REMOTE_ADDR.
CLIENT_IP_HEADER = env("CLIENT_IP_HEADER", default="")
RATELIMIT_IP_META_KEY = "ikm_registry.clients.client_ip"
# Posts per client address: self-registration (/daftar/) and password reset requests; "N/s", "N/m", "N/h", "N/d".
REGISTRATION_RATE = env("REGISTRATION_RATE", default="20/h")
PASSWORD_RESET_RATE = env("PASSWORD_RESET_RATE", default="5/h")
# Mail (password reset links): EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.go.id:587; the console in
# development, the local mail server (smtp://localhost:25) otherwise.
vars().update(env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Registri IKM <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 3600)  # seconds a reset link stays valid
# Text messages (an owner's private link sent to their phone): the dotted path of a backend class with
# send(phone, body) (ikm_registry.messaging); the console in development, none in production until an office plugs in
# its SMS/WhatsApp gateway.
TEXT_MESSAGE_BACKEND = env(
    "TEXT_MESSAGE_BACKEND",
    default="ikm_registry.messaging.ConsoleBackend" if DEBUG else "ikm_registry.messaging.DisabledBackend",
)
# Requests to send an owner's private link again, per client address.
OWNER_LINK_RATE = env("OWNER_LINK_RATE", default="10/h")

# --- HTTPS behind a TLS proxy, and the Content Security Policy (django-csp) -----------------------------------------
# Production sets these (README, Deployment): redirect plain HTTP to HTTPS, Strict-Transport-Security, and the header
# by which the proxy tells Django that the visitor's connection was HTTPS (e.g. X-Forwarded-Proto: https).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if env("SECURE_PROXY_SSL_HEADER", default=""):
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + env("SECURE_PROXY_SSL_HEADER").upper().replace("-", "_"), "https")
# Scripts, styles, fonts and requests only from the site itself (no inline code: templates use static files);
# images also as data: URIs and OpenStreetMap's tiles for the directory map; no framing, no plugins.
INSTALLED_APPS += ["csp"]
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Product photos and logos come from the object storage's address when MEDIA_STORAGE=s3.
        "img-src": ["'self'", "data:", "https://tile.openstreetmap.org", *_media.image_origins],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# --- API (/api/, issue 14): Django REST framework, its OpenAPI schema (drf-spectacular), CORS for reads ---------------
# Public reads need no login and are rate-limited per client address (CLIENT_IP_HEADER); staff authenticate with a
# personal token (ikm_registry.ApiToken, created and revoked in the admin) and are scoped exactly like the admin.
API_ANON_RATE = env("API_ANON_RATE", default="120/m")
API_TOKEN_RATE = env("API_TOKEN_RATE", default="600/m")
API_PAGE_SIZE = env.int("API_PAGE_SIZE", default=50)
API_MAX_PAGE_SIZE = env.int("API_MAX_PAGE_SIZE", default=200)
# Rows one request of the staff API may import (larger files go through the admin's upload, checked by the worker).
API_IMPORT_MAX_ROWS = env.int("API_IMPORT_MAX_ROWS", default=1000)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["ikm_registry.api.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": ["ikm_registry.api.throttling.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": API_ANON_RATE, "token": API_TOKEN_RATE},
    # JSON only: the documentation is the OpenAPI schema and its Swagger UI at /api/.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "ikm_registry.api.pagination.KeysetPagination",
    "PAGE_SIZE": API_PAGE_SIZE,
    "EXCEPTION_HANDLER": "ikm_registry.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Registri IKM API",
    "DESCRIPTION": (
        "Public reads of the registry (published businesses, sentra, the agenda, certificate verification, reference "
        "codes, statistics) and the staff API (personal token, scoped to the staff member's region). Field names follow "
        "the import layouts (README)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "ikm_registry.api.schema.add_error_responses",
    ],
}
# Other sites' pages may read the public API and the open data from the visitor's browser (no cookies are sent or
# honoured there); writes are never cross-origin, and the staff API (/api/v1/staf/, a personal token) answers no other
# site at all: django-cors-headers would name any origin on every answer of a matching URL, a POST's too.
CORS_URLS_REGEX = r"^/(api/(?!v1/staf/)|data/|catalog\.jsonld).*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_CREDENTIALS = False
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Link"]
