"""System checks for how the host installed cosmo_scim.

Both are mistakes that break nothing visibly — the admin still works, sessions still work —
but each one reopens a hole: without the org admin site, customers' admins cannot sign in
except as staff, whom Django's global permissions do not confine to their organizations;
without the session index middleware, a session whose key changed (a password change
cycles it) is no longer known to belong to its person, and a deactivation cannot end it.
Warnings, not errors: a host may have reasons, and ``SILENCED_SYSTEM_CHECKS`` says so.
"""

from django.conf import settings
from django.contrib import admin
from django.core import checks

from . import conf

SESSION_INDEX_MIDDLEWARE = "cosmo_scim.middleware.SessionIndexMiddleware"


@checks.register(checks.Tags.admin, checks.Tags.security)
def check_admin_site(app_configs=None, **kwargs):
    from .admin_site import OrgAdminSite

    if isinstance(admin.site, OrgAdminSite):
        return []
    return [
        checks.Warning(
            "django.contrib.admin's default site is not cosmo_scim's OrgAdminSite: "
            "organizations' admins cannot sign in to the admin, and staff reach cosmo_scim "
            "through global model permissions.",
            hint='List "cosmo_scim.apps.OrgAdminConfig" in INSTALLED_APPS instead of '
            '"django.contrib.admin" (see docs/integrate.md).',
            id="cosmo_scim.W001",
        )
    ]


@checks.register(checks.Tags.security)
def check_session_index_middleware(app_configs=None, **kwargs):
    if SESSION_INDEX_MIDDLEWARE in settings.MIDDLEWARE:
        return []
    return [
        checks.Warning(
            f"{SESSION_INDEX_MIDDLEWARE} is not in MIDDLEWARE.",
            hint="It re-indexes sessions whose key rotates (e.g. on a password change), so a "
            "deactivation can end them. Add it after AuthenticationMiddleware.",
            id="cosmo_scim.W002",
        )
    ]


# Settings that became host adapter methods: a host still setting one would silently lose
# its rule (an Enterprise-only product would open SCIM to every plan, or the reverse).
MOVED_TO_ADAPTER = {"SCIM_ALLOWED": "scim_allowed", "ROLE_RULE": "role_for"}


@checks.register()
def check_settings(app_configs=None, **kwargs):
    """COSMO_SCIM keys cosmo_scim does not know are mistakes: refuse to start."""
    errors = []
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
            checks.Error(f"Unknown COSMO_SCIM setting {name!r}.", hint=hint, id="cosmo_scim.E001")
        )
    return errors
