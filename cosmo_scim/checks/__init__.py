"""System checks for how the host installed cosmo_scim, like ``django.contrib.auth``'s:
installation.py (settings and services), host_models.py (the host's models and fields) and
migration_order.py; importing this package registers them.

Errors are what would otherwise fail only at the first IdP request, or worse, answer it and
fail later where nobody looks: the host models or fields ``COSMO_SCIM`` names do not exist
(E002, E003: a 500 on the first ``DELETE``), a user model whose ``create_user`` the default
adapter cannot call (E004: no account, or one without its email), no Celery app (E005: the
invitation is published to Celery's default ``amqp://localhost`` and never sent, while the
POST answers 201), no ``PUBLIC_BASE_URL`` (E006: no invitation link can be built), a host
model created by a migration that cosmo_scim's migrations do not come after (E007), a
membership role field without a default for the default ``HostAdapter.role_for`` to give
(E008), a host key no foreign key can refer to or the audit trail cannot keep (E009), DNS
servers or a TXT record label the domain check cannot use (E010: every "Verify now" would
fail). Each names what to change.

The two warnings are mistakes that break nothing visibly — the admin still works, sessions
still work — but each one reopens a hole: without the org admin site, customers' admins
cannot sign in except as staff, whom Django's global permissions do not confine to their
organizations; without the session index middleware, a session whose key changed (a
password change cycles it) is no longer known to belong to its person, and a deactivation
cannot end it.
Warnings, not errors: a host may have reasons, and ``SILENCED_SYSTEM_CHECKS`` says so.
"""

from .host_models import (
    MEMBERSHIP_KEY_LENGTH,
    check_host_fields,
    check_host_models,
    check_person_creation,
    check_primary_keys,
    check_role_default,
)
from .installation import (
    MOVED_TO_ADAPTER,
    SESSION_INDEX_MIDDLEWARE,
    check_admin_site,
    check_celery_app,
    check_domain_verification,
    check_public_base_url,
    check_session_index_middleware,
    check_settings,
    check_sso_secret_key,
)
from .migration_order import check_migration_order

__all__ = [
    "MEMBERSHIP_KEY_LENGTH",
    "MOVED_TO_ADAPTER",
    "SESSION_INDEX_MIDDLEWARE",
    "check_admin_site",
    "check_celery_app",
    "check_domain_verification",
    "check_host_fields",
    "check_host_models",
    "check_migration_order",
    "check_person_creation",
    "check_primary_keys",
    "check_public_base_url",
    "check_role_default",
    "check_session_index_middleware",
    "check_settings",
    "check_sso_secret_key",
]
