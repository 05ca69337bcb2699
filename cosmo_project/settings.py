"""Settings of the Cosmo host product.

Everything that differs between machines comes from the environment (django-environ
conventions); the defaults give a zero-setup developer run: SQLite, console email and Celery
tasks executed eagerly in-process.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env") if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DEBUG", default=False)
# The fallback key only exists so a fresh checkout runs; production sets SECRET_KEY. Its
# "django-insecure-" prefix makes `manage.py check --deploy` flag it (security.W009).
SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-dev-key-change-me-" + "0" * 32)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
# Absolute links in emails (invitation accept URLs) are built from this, never from the
# request's Host header, which a client controls.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # Django's admin with cosmo_scim's default site: organizations' admins sign in with
    # their own account and see only their organizations (docs/security.md).
    "cosmo_scim.apps.OrgAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    # Required by cosmo_scim: its APIKey builds on this library's abstract model.
    "rest_framework_api_key",
    # SSO per organization (docs/sso.md): django-allauth does the protocols; cosmo_scim
    # owns the connections, the linking and the sessions. allauth's account pages are not
    # mounted: people sign in on Cosmo's login page or through their organization's IdP.
    # Before Cosmo's apps, whose admin hides allauth's screens (organizations/admin.py).
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "cosmo_project.accounts",
    "cosmo_project.organizations",
    "cosmo_scim",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves STATIC_ROOT (the admin's CSS and JavaScript) when DEBUG is off, with no web
    # server in front: `manage.py collectstatic` fills it at deploy (`make demo` runs it).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Re-indexes a session whose key rotates (password change), so deactivation ends it.
    "cosmo_scim.middleware.SessionIndexMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Required by django-allauth (SSO).
    "allauth.account.middleware.AccountMiddleware",
]
# Messages live in the session that the pages showing them already have. Django's default
# (FallbackStorage) tries a signed cookie first and builds its signer on every request,
# each SCIM request's included.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Production (DEBUG=0) is served over HTTPS, by gunicorn behind a TLS-terminating proxy:
# cookies go over HTTPS only, browsers are told to use nothing else (HSTS), and Django
# trusts the proxy's X-Forwarded-Proto only when told it sits behind one that sets it.
# `manage.py check --deploy` is clean with these but for security.W008 (set
# SECURE_SSL_REDIRECT=1 unless the proxy redirects HTTP itself) and W021 (preloading is
# the operator's call): docs/security.md, "Production settings".
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
if env.bool("BEHIND_TLS_PROXY", default=False):
    # Only behind a proxy that overwrites X-Forwarded-Proto: a client could forge it.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

ROOT_URLCONF = "cosmo_project.urls"
WSGI_APPLICATION = "cosmo_project.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Persistent connections (CONN_MAX_AGE > 0) are not health-checked (Django's default): a
# check is a round trip before every request's first query, the largest single cost of a
# SCIM read by id (docs/performance.md). A connection that died (a restart, a failover)
# fails the one request that finds it, which SCIM answers 503 with Retry-After
# (cosmo_scim/scim/faults.py) and IdPs retry; Django then drops it, and the next request
# connects anew.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A cache the workers share when CACHE_URL names a Redis database; Django's per-process
# memory cache otherwise. cosmo_scim remembers there where deep /Users pages start, and —
# only in a shared cache — the API keys it has verified (cosmo_scim/key_cache.py).
if env("CACHE_URL", default=""):
    CACHES = {
        "default": {
            "BACKEND": "cosmo_project.cache.RedisCache",
            "LOCATION": env("CACHE_URL"),
        }
    }

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-allauth, for SSO only: cosmo_scim's adapter decides every SSO sign-in (no sign-up,
# no pairing by email); Cosmo's accounts log in by email and have no username.
SOCIALACCOUNT_ADAPTER = "cosmo_scim.sso.adapter.SsoAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
# Seconds an SMTP connect or reply may take: without it a mail server that accepts
# connections and never answers would hold an invitation sender forever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Cosmo <no-reply@cosmo.localhost>")

# Celery: with no broker configured, tasks run eagerly in-process so the zero-setup run works.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Fail fast when the broker is unreachable: a SCIM request must not wait on Redis (the
# sweep sends what could not be queued). One connection try, no retry pause, half a second
# to connect and one to publish; cosmo_scim's circuit breaker then skips publishing for a
# while (cosmo_scim/tasks.py).
CELERY_BROKER_CONNECTION_TIMEOUT = 0.5
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 0,
    "interval_start": 0,
    "socket_connect_timeout": 0.5,
    "socket_timeout": 1,
}
# `celery -A cosmo_project beat` sends invitations that could not be queued when they were
# created (broker down) or whose sender died; the sweep is idempotent.
CELERY_BEAT_SCHEDULE = {
    "cosmo-scim-send-pending-invitations": {
        "task": "cosmo_scim.send_pending_invitations",
        "schedule": 300.0,
    },
}

REST_FRAMEWORK = {
    # Each API view names its authentication (organization API keys); no implicit sessions.
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
}

# cosmo_scim is pointed at the host's models the way AUTH_USER_MODEL is; see docs/integrate.md.
COSMO_SCIM = {
    "ORGANIZATION_MODEL": "organizations.Organization",
    "MEMBERSHIP_MODEL": "organizations.Membership",
    "TEAM_MODEL": "organizations.Team",
    "HOST_ADAPTER": "cosmo_project.organizations.scim.CosmoHostAdapter",
    # Cosmo's words on cosmo_scim's pages and emails, and the marker of its API keys.
    "PRODUCT_NAME": "Cosmo",
    "API_KEY_PREFIX": "cosmo_",
    # Requests per second per SCIM API key, and for all of an organization's keys together
    # (docs/security.md, Rate limits).
    "RATE_LIMIT": env.int("SCIM_RATE_LIMIT", default=50),
    "ORGANIZATION_RATE_LIMIT": env.int("SCIM_ORGANIZATION_RATE_LIMIT", default=100),
    # Failed API key authentications per minute from one client address before 429.
    "AUTH_FAILURE_LIMIT": env.int("SCIM_AUTH_FAILURE_LIMIT", default=30),
    # The DNS servers the domain check asks ("127.0.0.1:5353,10.0.0.2"); unset: the
    # system's resolvers.
    "DNS_NAMESERVERS": env.list("DNS_NAMESERVERS", default=None),
    # Encrypts SSO client secrets at rest; unset: derived from SECRET_KEY (docs/sso.md).
    "SSO_SECRET_KEY": env.str("SSO_SECRET_KEY", default=None),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
