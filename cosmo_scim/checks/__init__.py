"""System checks for how the host installed cosmo_scim, like ``django.contrib.auth``'s:
installation.py (settings and services), host_models.py (the host's models and fields) and
migration_order.py; :func:`register_checks` registers them, from
``CosmoScimConfig.ready()`` as Django's own apps do (importing this package registers
nothing). Each check concerns cosmo_scim only: ``manage.py check other_app`` skips them
(errors.py, ``for_cosmo_scim``).

Errors are what would otherwise fail only at the first IdP request, or worse, answer it and
fail later where nobody looks: the host models or fields ``COSMO_SCIM`` names do not exist
(E002, E003: a 500 on the first ``DELETE``), the adapter cannot be imported (E011), a user
model whose ``create_user`` the default adapter cannot call (E004: no account, or one
without its email), no Celery app (E005: the invitation is published to Celery's default
``amqp://localhost`` and never sent, while the POST answers 201), no ``PUBLIC_BASE_URL``
(E006: no invitation link can be built), a host model created by a migration that
cosmo_scim's migrations do not come after (E007, checked by ``migrate`` and ``check
--database``), a membership role field without a default for the default
``HostAdapter.role_for`` to give (E008), a host key no foreign key can refer to or the audit
trail cannot keep (E009), DNS servers or a TXT record label the domain check cannot use
(E010: every "Verify now" would fail). Each names what to change, and each id has one
meaning (errors.py, ``MEANINGS``).

The two warnings are mistakes that break nothing visibly — the admin still works, sessions
still work — but each one reopens a hole: without the org admin site, customers' admins
cannot sign in except as staff, whom Django's global permissions do not confine to their
organizations; without the session index middleware, a session whose key changed (a
password change cycles it) is no longer known to belong to its person, and a deactivation
cannot end it.
Warnings, not errors: a host may have reasons, and ``SILENCED_SYSTEM_CHECKS`` says so.
"""

from django.core import checks

from .errors import MEANINGS
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
    "MEANINGS",
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
    "register_checks",
]


def register_checks() -> None:
    """Register every check with Django, tagged as ``manage.py check --tag`` selects them."""
    checks.register(check_admin_site, checks.Tags.admin, checks.Tags.security)
    checks.register(check_session_index_middleware, checks.Tags.security)
    checks.register(check_sso_secret_key, checks.Tags.security, deploy=True)
    for check in (
        check_host_models,
        check_host_fields,
        check_person_creation,
        check_role_default,
        check_primary_keys,
    ):
        checks.register(check, checks.Tags.models)
    checks.register(check_migration_order, checks.Tags.database)
    for check in (
        check_settings,
        check_celery_app,
        check_public_base_url,
        check_domain_verification,
    ):
        checks.register(check)
