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
            hint='List "cosmo_scim.admin_apps.OrgAdminConfig" in INSTALLED_APPS instead of '
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
