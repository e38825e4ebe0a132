"""Django settings, read from the environment only (see the README's Settings table)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

from animateur.config.env import data_dir, env_bool, env_int, env_list, env_str, private_file, secret_key

PACKAGE_DIR = Path(__file__).resolve().parent.parent
TESTING = env_bool("ANIMATEUR_TESTING") or "pytest" in sys.modules
if TESTING and not env_str("ANIMATEUR_DATA_DIR"):
    import os

    os.environ["ANIMATEUR_DATA_DIR"] = tempfile.mkdtemp(prefix="animateur-test-")
DATA_DIR = data_dir()

SECRET_KEY = secret_key(DATA_DIR)
DEBUG = env_bool("ANIMATEUR_DEBUG", False)
ALLOWED_HOSTS = env_list("ANIMATEUR_ALLOWED_HOSTS", ["*"])
CSRF_TRUSTED_ORIGINS = env_list("ANIMATEUR_CSRF_TRUSTED_ORIGINS", [])
BASE_URL = env_str("ANIMATEUR_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    # For the static files of Swagger UI that django-ninja ships: without the app it loads them from a CDN.
    "ninja",
    "huey.contrib.djhuey",
    "animateur.core",
    "animateur.stream",
    "animateur.channels",
    "animateur.space",
    "animateur.inbox",
    "animateur.moderation",
    "animateur.members",
    "animateur.api",
    "animateur.events",
    "animateur.listening",
    "animateur.publishing",
    "animateur.links",
    "animateur.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside the page cache, so that cached pages carry the policy too.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "animateur.space.cache.AnonymousPageCacheMiddleware",
    "animateur.core.middleware.WorkspaceMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "animateur.core.middleware.WorkspaceLanguageMiddleware",
    # After the language is chosen, so that its 400 speaks it; before any view reads the input.
    "animateur.core.input_guard.UnstorableInputMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "animateur.config.urls"
WSGI_APPLICATION = "animateur.config.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "space_staff:home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "animateur.core.context_processors.workspace",
            ],
        },
    }
]

# Database: SQLite in WAL mode in the data folder unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'animateur.sqlite3'}"),
        conn_max_age=env_int("ANIMATEUR_DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        private_file(Path(DATABASES["default"]["NAME"]))
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if TESTING else 600
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;"
            " PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; PRAGMA mmap_size=268435456;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

# Tasks: Huey on SQLite in the data folder (embedded) or on Redis (scaled).
HUEY = {
    "name": "animateur",
    "immediate": env_bool("ANIMATEUR_TASKS_IMMEDIATE", TESTING),
    "consumer": {"workers": env_int("ANIMATEUR_TASK_WORKERS", 2), "worker_type": "thread"},
}
if REDIS_URL:
    HUEY.update({"huey_class": "huey.PriorityRedisHuey", "url": REDIS_URL})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(private_file(DATA_DIR / "tasks.sqlite3"))})

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = env_str("ANIMATEUR_LANGUAGE", "fr")
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env_str("ANIMATEUR_TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns at every start when it is missing
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if TESTING:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
MEDIA_ROOT = DATA_DIR / "media"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = env_bool("ANIMATEUR_SECURE_COOKIES", BASE_URL.startswith("https://"))
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A year of HTTPS only, once the public address is https (each workspace's own host name included,
# so no includeSubDomains: a workspace's host may be a subdomain of a site that is not ours).
SECURE_HSTS_SECONDS = 31_536_000 if BASE_URL.startswith("https://") else 0
# Scripts only from our own static files: no inline script, no on*= attribute, no eval. Inline
# styles stay allowed (htmx adds its indicator style). Images may come from anywhere over http(s):
# imported posts and avatars point to other sites.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "https:", "http:"],
        "media-src": [SELF, "https:", "http:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("ANIMATEUR_BEHIND_PROXY") else None

EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("ANIMATEUR_SMTP_HOST")
    # Without a mail server, the log says an email was not sent; its text (links) only at DEBUG.
    else "animateur.core.mail.UnsentEmailBackend"
)
EMAIL_HOST = env_str("ANIMATEUR_SMTP_HOST")
EMAIL_PORT = env_int("ANIMATEUR_SMTP_PORT", 587)
EMAIL_HOST_USER = env_str("ANIMATEUR_SMTP_USER")
EMAIL_HOST_PASSWORD = env_str("ANIMATEUR_SMTP_PASSWORD")
EMAIL_USE_TLS = env_bool("ANIMATEUR_SMTP_TLS", True)
DEFAULT_FROM_EMAIL = env_str("ANIMATEUR_FROM_EMAIL", "animateur@localhost")

# What every new workspace gets from the apps above core (core/actions.do_create_workspace): its
# community space's channel, where the site's comments arrive.
WORKSPACE_SETUP = ["animateur.channels.site.ensure_site_channel"]

# Who hears the domain events once committed (core/events.py): the workspaces' webhooks.
EVENT_SINKS = ["animateur.events.webhooks.deliver_events"]
EVENT_LISTENERS = ["animateur.events.webhooks.listens"]

# Who delivers a channel's alert to its managers (channels/alerts.py): the inbox's notifications,
# which also email each manager at once or in their digest, as they chose.
CHANNEL_ALERT_DELIVERY = ["animateur.inbox.channel_alerts.deliver_channel_alert"]

# Public pages are cached for anonymous visitors; 0 turns it off.
PAGE_CACHE_SECONDS = env_int("ANIMATEUR_PAGE_CACHE_SECONDS", 300)
# Bytes of public pages each web process keeps in memory; the least recently read go first.
PAGE_CACHE_BYTES = env_int("ANIMATEUR_PAGE_CACHE_BYTES", 32 * 1024 * 1024)
ALLOW_PRIVATE_URLS = env_bool("ANIMATEUR_ALLOW_PRIVATE_URLS", False)
ENCRYPTION_KEY = env_str("ANIMATEUR_ENCRYPTION_KEY")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("ANIMATEUR_LOG_LEVEL", "INFO")},
    # WeasyPrint narrates each step of a PDF at INFO ("Step 5 - Creating layout"): not news.
    "loggers": {"huey": {"level": "WARNING"}, "django.request": {"level": "ERROR"}, "weasyprint": {"level": "WARNING"}},
}
