"""Settings of the company host: a fresh ``startproject``'s with a custom user model, plus
what docs/integrate.md adds for cosmo_scim. Databases, broker and cache come from the same
environment variables as Cosmo's, so CI runs every host on the same PostgreSQL and Redis."""

import os
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent
env = environ.Env()

SECRET_KEY = "company-test-host-" + "0" * 40
DEBUG = False
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
PUBLIC_BASE_URL = "http://testserver"

INSTALLED_APPS = [
    "cosmo_scim.apps.OrgAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_api_key",
    "tests.hosts.company.companies",
    "cosmo_scim",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cosmo_scim.middleware.SessionIndexMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tests.hosts.company.urls"
AUTH_USER_MODEL = "companies.Account"
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

DATABASES = {"default": env.db("DATABASE_URL", default="sqlite:///:memory:")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
if os.environ.get("CACHE_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["CACHE_URL"],
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
USE_TZ = True
STATIC_URL = "static/"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = "Company <no-reply@company.example>"

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "socket_connect_timeout": 2}

COSMO_SCIM = {
    "ORGANIZATION_MODEL": "companies.Company",
    "MEMBERSHIP_MODEL": "companies.Seat",
    "TEAM_MODEL": "companies.Crew",
    "ORGANIZATION_FIELDS": {"slug": "handle"},
    "MEMBERSHIP_FIELDS": {"person": "holder", "organization": "company", "active": "is_enabled"},
    "TEAM_FIELDS": {"organization": "company", "name": "label", "members": "seats"},
    "PERSON_FIELDS": {"given_name": "given_name", "family_name": "family_name"},
    "HOST_ADAPTER": "tests.hosts.company.companies.scim.CompanyAdapter",
    "PRODUCT_NAME": "Ledgerly",
    "API_KEY_PREFIX": "co_",
}
