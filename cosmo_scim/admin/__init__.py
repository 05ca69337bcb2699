"""cosmo_scim in Django admin: API keys, verified domains, SSO connections, invitations, the
audit trail, role mappings, and the per-organization *SCIM provisioning* overview the host
mixes into its organization admin (:class:`ProvisioningAdminMixin`).

Everything here is scoped to the organizations the signed-in person administers
(scope.py); only superusers see every organization's. The site that lets org admins in is
``cosmo_scim.admin_site.OrgAdminSite``, outside this package: Django imports the site while
it sets the default site up, and importing this package registers the model admins on that
very site.
"""

# Registrations.
from . import api_keys, audit_trail, domains, invitations, role_mappings, sso  # noqa: F401
from .provisioning import ProvisioningAdminMixin

__all__ = ["ProvisioningAdminMixin"]
