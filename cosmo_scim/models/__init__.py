"""cosmo_scim's own tables, one module per kind: keys.py (organization API keys),
resources.py (the SCIM Users and Groups), domains.py (verified email domains), sso.py
(SSO connections and linked identities), records.py
(account owners, invitations, the audit trail, the session index, role mappings). Host
tables are reached through COSMO_SCIM (see conf.py), never imported.
"""

from .domains import VerifiedDomain, VerifiedDomainManager
from .keys import EXPIRED, REVOKED, ROTATION_REFUSALS, APIKey, APIKeyManager, KeyNotRotatable
from .records import AccountOwner, AuditEvent, Invitation, RoleMapping, UserSession
from .resources import (
    ScimGroup,
    ScimGroupMember,
    ScimUser,
    ScimUserCount,
    ScimUserCountDelta,
    ScimUserEmail,
    new_scim_id,
)
from .sso import SsoConnection, SsoIdentity

__all__ = [
    "EXPIRED",
    "REVOKED",
    "ROTATION_REFUSALS",
    "APIKey",
    "APIKeyManager",
    "AccountOwner",
    "AuditEvent",
    "Invitation",
    "KeyNotRotatable",
    "RoleMapping",
    "ScimGroup",
    "ScimGroupMember",
    "ScimUser",
    "ScimUserCount",
    "ScimUserCountDelta",
    "ScimUserEmail",
    "SsoConnection",
    "SsoIdentity",
    "UserSession",
    "VerifiedDomain",
    "VerifiedDomainManager",
    "new_scim_id",
]
