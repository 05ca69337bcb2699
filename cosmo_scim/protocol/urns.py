"""Every SCIM URN this server speaks, defined once (RFC 7643 §3, §8.7; RFC 7644 §3).

Schema URIs are compared case-insensitively wherever a client sends one (RFC 7643 §2.1,
RFC 8141); these constants are their canonical spelling, the one responses use.
"""

# Resource schemas (RFC 7643 §4).
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_USER_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

# Discovery schemas (RFC 7643 §8.7.2).
SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"
RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SERVICE_PROVIDER_CONFIG_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"

# Protocol messages (RFC 7644 §3.4.2, §3.4.3, §3.5.2, §3.12).
LIST_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
SEARCH_REQUEST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
PATCH_OP_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


def names_schema(schemas: object, urn: str) -> bool:
    """Whether a ``schemas`` member (a list of URIs) names ``urn``, case-insensitively."""
    return isinstance(schemas, list) and urn.lower() in [str(s).lower() for s in schemas]
