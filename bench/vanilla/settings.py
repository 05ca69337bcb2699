"""Settings of the vanilla django-scim2 project (bench/auth_probe.py sets the environment)."""

import os

import environ

env = environ.Env()

DEBUG = False
SECRET_KEY = "vanilla-bench-" + "x" * 40
ALLOWED_HOSTS = ["127.0.0.1"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django_scim",
    "vanilla",
]
MIDDLEWARE = [
    "vanilla.auth.StaticTokenMiddleware",
    "django_scim.middleware.SCIMAuthCheckMiddleware",
]
ROOT_URLCONF = "vanilla.urls"
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "600"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "vanilla.User"
USE_TZ = True
SCIM_SERVICE_PROVIDER = {
    "NETLOC": "127.0.0.1",
    "AUTHENTICATION_SCHEMES": [
        {"type": "oauthbearertoken", "name": "Bearer", "description": "A static token"}
    ],
}
