"""Checks of how the host installed and configured cosmo_scim: the admin site, the session
index middleware, COSMO_SCIM's keys, the Celery app, PUBLIC_BASE_URL, the domain check's
DNS settings and the SSO secret key."""

import re
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .. import conf
from .errors import error, for_cosmo_scim

SESSION_INDEX_MIDDLEWARE = "cosmo_scim.middleware.SessionIndexMiddleware"


@for_cosmo_scim
def check_admin_site(**kwargs: Any) -> list[checks.CheckMessage]:
    from ..admin_site import OrgAdminSite

    if isinstance(admin.site, OrgAdminSite):
        return []
    return [
        checks.Warning(
            "django.contrib.admin's default site is not cosmo_scim's OrgAdminSite: "
            "organizations' admins cannot sign in to the admin, and staff reach cosmo_scim "
            "through global model permissions.",
            hint='List "cosmo_scim.apps.OrgAdminConfig" in INSTALLED_APPS instead of '
            '"django.contrib.admin" (see docs/integrate.md).',
            obj=admin.site,
            id="cosmo_scim.W001",
        )
    ]


@for_cosmo_scim
def check_session_index_middleware(**kwargs: Any) -> list[checks.CheckMessage]:
    if SESSION_INDEX_MIDDLEWARE in settings.MIDDLEWARE:
        return []
    return [
        checks.Warning(
            f"{SESSION_INDEX_MIDDLEWARE} is not in MIDDLEWARE.",
            hint="It re-indexes sessions whose key rotates (e.g. on a password change), so a "
            "deactivation can end them. Add it after AuthenticationMiddleware.",
            obj="MIDDLEWARE",
            id="cosmo_scim.W002",
        )
    ]


# Settings that became host adapter methods: a host still setting one would silently lose
# its rule (an Enterprise-only product would open SCIM to every plan, or the reverse).
MOVED_TO_ADAPTER = {"SCIM_ALLOWED": "scim_allowed", "ROLE_RULE": "role_for"}


@for_cosmo_scim
def check_settings(**kwargs: Any) -> list[checks.CheckMessage]:
    """COSMO_SCIM keys cosmo_scim does not know are mistakes: refuse to start."""
    errors: list[checks.CheckMessage] = []
    for name in getattr(settings, "COSMO_SCIM", {}):
        if name in conf.DEFAULTS:
            continue
        moved = MOVED_TO_ADAPTER.get(name)
        hint = (
            f"Override HostAdapter.{moved} in your COSMO_SCIM['HOST_ADAPTER'] instead."
            if moved
            else "The keys are listed in docs/integrate.md."
        )
        errors.append(
            error(1, f"Unknown COSMO_SCIM setting {name!r}.", hint, obj=f"COSMO_SCIM[{name!r}]")
        )
    return errors


@for_cosmo_scim
def check_celery_app(**kwargs: Any) -> list[checks.CheckMessage]:
    """Without an app of the host's own (the standard ``celery.py`` imported by the project
    package), ``shared_task`` falls back to Celery's default app, which reads none of
    Django's CELERY_* settings — not the broker, not ``task_always_eager`` — and publishes
    every invitation to ``amqp://localhost:5672``: the SCIM POST answers 201 and no email
    is ever sent.

    ``celery.current_app`` is the app ``shared_task`` binds to: the thread's current app,
    else the process's default — the host's once Celery's Django fixup installed it
    (runserver checks in a thread of its own), else Celery's fallback, named "default" and
    without fixups."""
    import celery

    if not (celery.current_app.main == "default" and not celery.current_app.fixups):
        return []
    return [
        error(
            5,
            "No Celery app is configured: cosmo_scim's tasks would go to Celery's default "
            "app, which ignores your CELERY_* settings and publishes to amqp://localhost.",
            "Add the standard celery.py to your project package and import it from the "
            "package's __init__.py (docs/integrate.md, Celery).",
            obj="celery.current_app",
        )
    ]


@for_cosmo_scim
def check_public_base_url(**kwargs: Any) -> list[checks.CheckMessage]:
    """Invitation links are absolute and never built from a request's Host header."""
    base = conf.get("PUBLIC_BASE_URL") or getattr(settings, "PUBLIC_BASE_URL", None)
    if base and str(base).startswith(("https://", "http://")):
        return []
    return [
        error(
            6,
            f"PUBLIC_BASE_URL is {'missing' if not base else repr(base)}: invitation emails "
            "need an absolute link to your site.",
            'Set PUBLIC_BASE_URL = "https://app.example.com" (or COSMO_SCIM["PUBLIC_BASE_URL"]).',
            obj="PUBLIC_BASE_URL",
        )
    ]


@for_cosmo_scim
def check_domain_verification(**kwargs: Any) -> list[checks.CheckMessage]:
    """The domain check's DNS servers parse, and its record label is one DNS label."""
    from ..domain_dns import nameservers

    errors: list[checks.CheckMessage] = []
    try:
        nameservers()
    except ImproperlyConfigured as exc:
        errors.append(
            error(
                10,
                str(exc),
                "docs/integrate.md, Settings: DNS_NAMESERVERS.",
                obj="COSMO_SCIM['DNS_NAMESERVERS']",
            )
        )
    label = conf.get("DOMAIN_TXT_LABEL")
    if not (
        isinstance(label, str) and re.fullmatch(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", label)
    ):
        errors.append(
            error(
                10,
                f'COSMO_SCIM["DOMAIN_TXT_LABEL"] = {label!r} is not one DNS label.',
                'Use lower-case letters, digits and inner hyphens, e.g. "acme-verification".',
                obj="COSMO_SCIM['DOMAIN_TXT_LABEL']",
            )
        )
    return errors


@for_cosmo_scim
def check_sso_secret_key(**kwargs: Any) -> list[checks.CheckMessage]:
    """In a deployment, SSO client secrets should not be encrypted under a key derived from
    SECRET_KEY: rotating SECRET_KEY would make every stored secret unreadable."""
    if conf.get("SSO_SECRET_KEY"):
        return []
    return [
        checks.Warning(
            "COSMO_SCIM['SSO_SECRET_KEY'] is not set: SSO client secrets are encrypted with "
            "a key derived from SECRET_KEY.",
            hint="Set SSO_SECRET_KEY to a long random string kept apart from the database "
            "(docs/sso.md); rotating SECRET_KEY would otherwise make stored secrets unreadable.",
            obj="COSMO_SCIM['SSO_SECRET_KEY']",
            id="cosmo_scim.W003",
        )
    ]
