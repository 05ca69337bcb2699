"""The discovery documents (RFC 7644 §4): ``/Schemas``, ``/ResourceTypes`` and
``/ServiceProviderConfig``, rendered from the schema data.

Pure functions; ``base_url`` is the SCIM root such as ``https://host/scim/v2``, with or
without a trailing slash. Every document carries ``meta.location`` (RFC 7643 §3.1) under it.
"""

import copy
from collections.abc import Iterable

from ..documents import JsonObject
from ..envelopes import list_response as envelope
from ..errors import not_found
from ..urns import (
    RESOURCE_TYPE_SCHEMA,
    SERVICE_PROVIDER_CONFIG_SCHEMA,
)
from .definitions import GROUP_SCHEMA_DOC
from .meta_schemas import (
    RESOURCE_TYPE_SCHEMA_DOC,
    SCHEMA_SCHEMA_DOC,
    SERVICE_PROVIDER_CONFIG_SCHEMA_DOC,
)
from .resolve import RESOURCE_SCHEMAS, ResourceSchema, resource_schema
from .user_schema import ENTERPRISE_USER_SCHEMA_DOC, USER_SCHEMA_DOC

#: Every schema published on ``/Schemas``, resources first.
ALL_SCHEMA_DOCS = (
    USER_SCHEMA_DOC,
    ENTERPRISE_USER_SCHEMA_DOC,
    GROUP_SCHEMA_DOC,
    SCHEMA_SCHEMA_DOC,
    RESOURCE_TYPE_SCHEMA_DOC,
    SERVICE_PROVIDER_CONFIG_SCHEMA_DOC,
)


def _location(base_url: str, *segments: str) -> str:
    return "/".join((base_url.rstrip("/"), *segments))


def _published(
    document: JsonObject, resource_type: str, endpoint: str, base_url: str
) -> JsonObject:
    """A copy of ``document`` with its ``meta`` (callers may change what they get)."""
    rendered = copy.deepcopy(document)
    rendered["meta"] = {
        "resourceType": resource_type,
        "location": _location(base_url, endpoint, document["id"]),
    }
    return rendered


def list_response(resources: Iterable[JsonObject]) -> JsonObject:
    """A ``ListResponse`` (RFC 7644 §3.4.2) holding every item of ``resources`` (one page)."""
    resources = list(resources)
    return envelope(resources, len(resources))


# --- /Schemas ---------------------------------------------------------------------------------


def list_schemas(base_url: str) -> list[JsonObject]:
    """All schema documents for ``GET /Schemas``, each with ``meta.location``."""
    return [_published(doc, "Schema", "Schemas", base_url) for doc in ALL_SCHEMA_DOCS]


def get_schema(schema_id: str | None, base_url: str) -> JsonObject:
    """The schema document for ``GET /Schemas/{schema_id}``.

    URNs are compared case-insensitively (RFC 8141 makes the "urn" scheme and NID
    case-insensitive, and RFC 7643 §2.1 makes schema URIs case-insensitive in attribute paths).
    Raises a 404 :class:`~cosmo_scim.protocol.errors.ScimError` for an unknown id.
    """
    for doc in ALL_SCHEMA_DOCS:
        if doc["id"].lower() == (schema_id or "").lower():
            return _published(doc, "Schema", "Schemas", base_url)
    raise not_found(f"Schema {schema_id!r} not found")


def schemas_list_response(base_url: str) -> JsonObject:
    """The whole ``GET /Schemas`` body (RFC 7644 §4: a ListResponse)."""
    return list_response(list_schemas(base_url))


# --- /ResourceTypes ---------------------------------------------------------------------------


def _resource_type(rs: ResourceSchema) -> JsonObject:
    """The ``ResourceType`` document (RFC 7643 §6) of a :class:`~.resolve.ResourceSchema`:
    the resource types and their extensions are declared once, in :mod:`.resolve`."""
    document = {
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": rs.name,
        "name": rs.name,
        "endpoint": f"/{rs.name}s",
        "description": rs.core["description"],
        "schema": rs.core_urn,
    }
    if rs.extensions:
        # RFC 7643 §6 makes schemaExtensions optional; an empty list carries no information.
        document["schemaExtensions"] = [
            {"schema": urn, "required": False} for urn in rs.extension_urns
        ]
    return document


def list_resource_types(base_url: str) -> list[JsonObject]:
    """The User and Group ``ResourceType`` documents for ``GET /ResourceTypes``."""
    return [
        _published(_resource_type(rs), "ResourceType", "ResourceTypes", base_url)
        for rs in RESOURCE_SCHEMAS
    ]


def get_resource_type(resource_type_id: str | None, base_url: str) -> JsonObject:
    """The ``ResourceType`` document for ``GET /ResourceTypes/{id}``; 404 ScimError if unknown.

    Compared case-insensitively, as resource type names are in RFC 7643 §6 examples
    ("User", "Group") and clients are not consistent about their case.
    """
    rs = resource_schema(resource_type_id)
    return _published(_resource_type(rs), "ResourceType", "ResourceTypes", base_url)


def resource_types_list_response(base_url: str) -> JsonObject:
    """The whole ``GET /ResourceTypes`` body (a ListResponse)."""
    return list_response(list_resource_types(base_url))


# --- /ServiceProviderConfig -------------------------------------------------------------------


def service_provider_config(
    base_url: str,
    *,
    max_results: int = 100,
    sort: bool = False,
    etag: bool = False,
    documentation_uri: str | None = None,
) -> JsonObject:
    """The ``GET /ServiceProviderConfig`` document (RFC 7643 §5).

    What varies with the caller's views is a parameter, so the document advertises exactly
    what they do; PATCH and filtering are always supported, bulk and password changes never.
    Bulk, unsupported, still carries ``maxOperations``/``maxPayloadSize`` (0) because §5 marks
    them REQUIRED. The single authentication scheme is the OAuth 2.0 bearer token (RFC 6750),
    which is what Okta and Entra send in the ``Authorization`` header.
    """
    config: JsonObject = {"schemas": [SERVICE_PROVIDER_CONFIG_SCHEMA]}
    if documentation_uri:
        config["documentationUri"] = documentation_uri
    config.update(
        {
            "patch": {"supported": True},
            "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": True, "maxResults": int(max_results)},
            "changePassword": {"supported": False},
            "sort": {"supported": bool(sort)},
            "etag": {"supported": bool(etag)},
            "authenticationSchemes": [
                {
                    "type": "oauthbearertoken",
                    "name": "OAuth Bearer Token",
                    "description": "Authentication scheme using the OAuth Bearer Token Standard",
                    "specUri": "https://www.rfc-editor.org/info/rfc6750",
                    "primary": True,
                }
            ],
            "meta": {
                "resourceType": "ServiceProviderConfig",
                "location": _location(base_url, "ServiceProviderConfig"),
            },
        }
    )
    return config
