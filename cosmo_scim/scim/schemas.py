"""SCIM schema definitions and discovery documents (RFC 7643 §7, §8.7; RFC 7644 §4).

The attribute definitions below describe exactly what this server stores and returns. They are
kept in their published RFC 7643 §7 JSON form so that ``/Schemas`` is rendered straight from
them and the PATCH engine (:mod:`cosmo_scim.scim.patch`) reads the very same characteristics
(type, mutability, caseExact, multiValued…) it enforces: what is advertised is what is applied.

Common attributes (``id``, ``externalId``, ``meta``) are *not* listed inside the published User
and Group schemas. RFC 7643 §3.1 says they "are considered to be part of every base resource
schema and do not use their own 'schemas' URI", and the RFC's own schema representation
(§8.7.1) leaves them out. The compliance checker scim2-tester builds its models with
scim2-models' ``Resource.from_schema``, whose ``Resource`` base class already carries
``id``/``externalId``/``meta`` (with ``meta`` typed as its ``Meta`` model, whose ``location`` and
``resourceType`` the checker reads). Declaring ``meta`` again in the schema would replace that
typed field with a generic complex one. The engine still knows their characteristics through
:data:`COMMON_ATTRIBUTES` (``id``/``meta`` readOnly, ``externalId`` readWrite and caseExact).

``/Schemas`` also publishes the ``Schema``, ``ResourceType`` and ``ServiceProviderConfig``
schemas (RFC 7643 §8.7.2): scim2-tester's ``core_schemas_validation`` check reports an ERROR
when they are missing.

Public API (all pure functions; ``base_url`` is the SCIM root such as
``https://host/scim/v2``, with or without a trailing slash):

- :func:`list_schemas`, :func:`get_schema`, :func:`schemas_list_response`
- :func:`list_resource_types`, :func:`get_resource_type`, :func:`resource_types_list_response`
- :func:`service_provider_config`
- :func:`resource_schema` / :data:`USER`, :data:`GROUP` — :class:`ResourceSchema`, whose
  :meth:`ResourceSchema.resolve` maps an attribute path to its definition.
"""

import copy
import re
from dataclasses import dataclass

from .errors import invalid_path, not_found

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_USER_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"
RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SERVICE_PROVIDER_CONFIG_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
LIST_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_OP_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def attribute(
    name,
    type_="string",
    description="",
    *,
    multi_valued=False,
    required=False,
    case_exact=False,
    mutability="readWrite",
    returned="default",
    uniqueness="none",
    sub_attributes=None,
    canonical_values=None,
    reference_types=None,
):
    """One attribute definition in RFC 7643 §7 form, every characteristic spelled out.

    ``subAttributes`` is only present on complex attributes, ``referenceTypes`` only on
    references, ``canonicalValues`` only where given (§7 makes all three optional).
    """
    attr = {
        "name": name,
        "type": type_,
        "multiValued": multi_valued,
        "description": description or name,
        "required": required,
        "caseExact": case_exact,
        "mutability": mutability,
        "returned": returned,
        "uniqueness": uniqueness,
    }
    if canonical_values is not None:
        attr["canonicalValues"] = list(canonical_values)
    if type_ == "reference":
        attr["referenceTypes"] = list(reference_types or ["uri"])
    if type_ == "complex":
        attr["subAttributes"] = list(sub_attributes or [])
    return attr


def _schema(schema_id, name, description, attributes):
    return {
        "schemas": [SCHEMA_SCHEMA],
        "id": schema_id,
        "name": name,
        "description": description,
        "attributes": attributes,
    }


# --- User (RFC 7643 §4.1, §8.7.1), restricted to what we store ------------------------------

USER_SCHEMA_DOC = _schema(
    USER_SCHEMA,
    "User",
    "User Account",
    [
        attribute(
            "userName",
            description="Unique identifier for the User, used to authenticate. "
            "Case-insensitive (RFC 7643 §4.1.1).",
            required=True,
            uniqueness="server",
        ),
        attribute(
            "name",
            "complex",
            "The components of the user's real name.",
            sub_attributes=[
                attribute("formatted", description="The full name, formatted for display."),
                attribute("familyName", description="The family name (last name)."),
                attribute("givenName", description="The given name (first name)."),
            ],
        ),
        attribute("displayName", description="The name of the User, suitable for display."),
        attribute("title", description="The user's title, such as 'Vice President'."),
        attribute("locale", description="Default location of the User, e.g. 'en-US'."),
        attribute(
            "preferredLanguage",
            description="Preferred written or spoken language of the User, e.g. 'en'.",
        ),
        attribute(
            "active",
            "boolean",
            "The User's administrative status; false means deprovisioned (soft delete). "
            "A member is always either active or not, so it always has a value: it cannot be "
            "removed, and a creation that omits it makes an active user.",
            required=True,
        ),
        attribute(
            "emails",
            "complex",
            "Email addresses for the user. Required: the member logs in and is invited at "
            "the primary (else first) address. A userName that is itself an email address "
            "is accepted in its place when no emails are sent (Entra often sends only a UPN).",
            multi_valued=True,
            required=True,
            sub_attributes=[
                attribute(
                    "value",
                    description="Email address for the user; an entry without one is refused.",
                    required=True,
                ),
                attribute(
                    "type",
                    description="A label indicating the email's function.",
                    canonical_values=["work", "home", "other"],
                ),
                attribute(
                    "primary",
                    "boolean",
                    "Whether this is the primary email; true appears at most once.",
                ),
                attribute("display", description="A human-readable name for display."),
            ],
        ),
        attribute(
            "password",
            description="The User's cleartext password, accepted for writing only.",
            case_exact=True,
            mutability="writeOnly",
            returned="never",
        ),
        attribute(
            "groups",
            "complex",
            "Groups the user belongs to; managed through the Group resource.",
            multi_valued=True,
            mutability="readOnly",
            sub_attributes=[
                attribute(
                    "value",
                    description="The identifier of the User's group.",
                    case_exact=True,
                    mutability="readOnly",
                ),
                attribute(
                    "$ref",
                    "reference",
                    "The URI of the corresponding Group resource.",
                    case_exact=True,
                    mutability="readOnly",
                    reference_types=["Group"],
                ),
                attribute(
                    "display",
                    description="A human-readable name, the group's displayName.",
                    mutability="readOnly",
                ),
                attribute(
                    "type",
                    description="How the membership was derived.",
                    mutability="readOnly",
                    canonical_values=["direct", "indirect"],
                ),
            ],
        ),
    ],
)

# --- Enterprise User extension (RFC 7643 §4.3) ----------------------------------------------

ENTERPRISE_USER_SCHEMA_DOC = _schema(
    ENTERPRISE_USER_SCHEMA,
    "EnterpriseUser",
    "Enterprise User",
    [
        attribute("employeeNumber", description="Numeric or alphanumeric employee identifier."),
        attribute("department", description="Identifies the name of a department."),
        attribute(
            "manager",
            "complex",
            "The User's manager.",
            sub_attributes=[
                attribute(
                    "value",
                    description="The id of the SCIM resource representing the manager.",
                    case_exact=True,
                ),
                attribute(
                    "$ref",
                    "reference",
                    "The URI of the SCIM resource representing the manager.",
                    case_exact=True,
                    reference_types=["User"],
                ),
                attribute(
                    "displayName",
                    description="The displayName of the manager; set by the server.",
                    mutability="readOnly",
                ),
            ],
        ),
    ],
)

# --- Group (RFC 7643 §4.2) ------------------------------------------------------------------

GROUP_SCHEMA_DOC = _schema(
    GROUP_SCHEMA,
    "Group",
    "Group",
    [
        attribute(
            "displayName",
            description="A human-readable name for the Group; unique, case-insensitive.",
            required=True,
            uniqueness="server",
        ),
        attribute(
            "members",
            "complex",
            "A list of members of the Group.",
            multi_valued=True,
            sub_attributes=[
                attribute(
                    "value",
                    description="Identifier of the member of this Group.",
                    case_exact=True,
                    mutability="immutable",
                ),
                attribute(
                    "$ref",
                    "reference",
                    "The URI of the corresponding member resource.",
                    case_exact=True,
                    mutability="immutable",
                    reference_types=["User", "Group"],
                ),
                attribute(
                    "display",
                    description="The member's displayName, else its userName. Returned only "
                    "when asked for (attributes=members.display), so that members read back "
                    "exactly as they were written.",
                    mutability="readOnly",
                    returned="request",
                ),
                attribute(
                    "type",
                    description="The type of the member.",
                    mutability="immutable",
                    canonical_values=["User", "Group"],
                ),
            ],
        ),
    ],
)

# --- The discovery schemas themselves (RFC 7643 §8.7.2) -------------------------------------


def _ro(name, type_="string", description="", **kwargs):
    """A readOnly attribute, as every attribute of a discovery resource is."""
    kwargs.setdefault("mutability", "readOnly")
    return attribute(name, type_, description, **kwargs)


def _attribute_definition_subattributes(with_sub_attributes):
    subs = [
        _ro("name", description="The attribute's name.", required=True, case_exact=True),
        _ro(
            "type",
            description="The attribute's data type.",
            required=True,
            canonical_values=[
                "string",
                "complex",
                "boolean",
                "decimal",
                "integer",
                "dateTime",
                "reference",
                "binary",
            ],
        ),
        _ro("multiValued", "boolean", "Whether the attribute is multi-valued.", required=True),
        _ro("description", description="A human-readable description of the attribute."),
        _ro("required", "boolean", "Whether the attribute is required.", required=True),
        _ro(
            "canonicalValues",
            description="A collection of suggested canonical values.",
            multi_valued=True,
            case_exact=True,
        ),
        _ro("caseExact", "boolean", "Whether a string attribute is case sensitive."),
        _ro(
            "mutability",
            description="Whether the attribute may be modified.",
            case_exact=True,
            canonical_values=["readOnly", "readWrite", "immutable", "writeOnly"],
        ),
        _ro(
            "returned",
            description="When the attribute is returned in a response.",
            case_exact=True,
            canonical_values=["always", "never", "default", "request"],
        ),
        _ro(
            "uniqueness",
            description="How the service provider enforces uniqueness.",
            case_exact=True,
            canonical_values=["none", "server", "global"],
        ),
        _ro(
            "referenceTypes",
            description="The names of the resource types that may be referenced.",
            multi_valued=True,
            case_exact=True,
        ),
    ]
    if with_sub_attributes:
        subs.append(
            _ro(
                "subAttributes",
                "complex",
                "The sub-attributes of a complex attribute.",
                multi_valued=True,
                sub_attributes=_attribute_definition_subattributes(False),
            )
        )
    return subs


SCHEMA_SCHEMA_DOC = _schema(
    SCHEMA_SCHEMA,
    "Schema",
    "Specifies the schema attribute requirements of a resource.",
    [
        _ro("id", description="The unique URI of the schema.", required=True, case_exact=True),
        _ro("name", description="The schema's human-readable name."),
        _ro("description", description="The schema's human-readable description."),
        _ro(
            "attributes",
            "complex",
            "The service provider's attributes of the schema.",
            multi_valued=True,
            required=True,
            sub_attributes=_attribute_definition_subattributes(True),
        ),
    ],
)

RESOURCE_TYPE_SCHEMA_DOC = _schema(
    RESOURCE_TYPE_SCHEMA,
    "ResourceType",
    "Specifies the schema that describes a SCIM resource type.",
    [
        _ro("id", description="The resource type's server unique id.", case_exact=True),
        _ro("name", description="The resource type name.", required=True),
        _ro("description", description="The resource type's human-readable description."),
        _ro(
            "endpoint",
            "reference",
            "The resource type's HTTP-addressable endpoint relative to the Base URL.",
            required=True,
            case_exact=True,
            reference_types=["uri"],
        ),
        _ro(
            "schema",
            "reference",
            "The resource type's primary/base schema URI.",
            required=True,
            case_exact=True,
            reference_types=["uri"],
        ),
        _ro(
            "schemaExtensions",
            "complex",
            "A list of URIs of the resource type's schema extensions.",
            multi_valued=True,
            sub_attributes=[
                _ro(
                    "schema",
                    "reference",
                    "The URI of a schema extension.",
                    required=True,
                    case_exact=True,
                    reference_types=["uri"],
                ),
                _ro(
                    "required",
                    "boolean",
                    "Whether the extension is required for this resource type.",
                    required=True,
                ),
            ],
        ),
    ],
)


def _supported(name, description, extra=()):
    return _ro(
        name,
        "complex",
        description,
        required=True,
        sub_attributes=[
            _ro("supported", "boolean", "Whether the operation is supported.", required=True),
            *extra,
        ],
    )


SERVICE_PROVIDER_CONFIG_SCHEMA_DOC = _schema(
    SERVICE_PROVIDER_CONFIG_SCHEMA,
    "ServiceProviderConfig",
    "Schema for representing the service provider's configuration.",
    [
        _ro(
            "documentationUri",
            "reference",
            "An HTTP-addressable URL pointing to the service provider's help documentation.",
            reference_types=["external"],
        ),
        _supported("patch", "A complex type that specifies PATCH configuration options."),
        _supported(
            "bulk",
            "A complex type that specifies bulk configuration options.",
            [
                _ro("maxOperations", "integer", "The maximum number of operations.", required=True),
                _ro(
                    "maxPayloadSize", "integer", "The maximum payload size in bytes.", required=True
                ),
            ],
        ),
        _supported(
            "filter",
            "A complex type that specifies FILTER options.",
            [
                _ro(
                    "maxResults",
                    "integer",
                    "The maximum number of resources returned.",
                    required=True,
                )
            ],
        ),
        _supported("changePassword", "A complex type that specifies configuration options."),
        _supported("sort", "A complex type that specifies sort result options."),
        _supported("etag", "A complex type that specifies ETag configuration options."),
        _ro(
            "authenticationSchemes",
            "complex",
            "A complex type that specifies supported authentication scheme properties.",
            multi_valued=True,
            required=True,
            sub_attributes=[
                _ro(
                    "type",
                    description="The authentication scheme.",
                    required=True,
                    canonical_values=[
                        "oauth",
                        "oauth2",
                        "oauthbearertoken",
                        "httpbasic",
                        "httpdigest",
                    ],
                ),
                _ro("name", description="The common authentication scheme name.", required=True),
                _ro(
                    "description",
                    description="A description of the authentication scheme.",
                    required=True,
                ),
                _ro(
                    "specUri",
                    "reference",
                    "An HTTP-addressable URL pointing to the authentication scheme's "
                    "specification.",
                    reference_types=["external"],
                ),
                _ro(
                    "documentationUri",
                    "reference",
                    "An HTTP-addressable URL pointing to the authentication scheme's usage "
                    "documentation.",
                    reference_types=["external"],
                ),
                _ro("primary", "boolean", "Whether this is the preferred authentication scheme."),
            ],
        ),
    ],
)

#: Every schema published on ``/Schemas``, resources first.
ALL_SCHEMA_DOCS = (
    USER_SCHEMA_DOC,
    ENTERPRISE_USER_SCHEMA_DOC,
    GROUP_SCHEMA_DOC,
    SCHEMA_SCHEMA_DOC,
    RESOURCE_TYPE_SCHEMA_DOC,
    SERVICE_PROVIDER_CONFIG_SCHEMA_DOC,
)

#: Common attributes (RFC 7643 §3.1): part of every resource, listed in no published schema
#: (see the module docstring). The PATCH engine resolves paths against them too.
COMMON_ATTRIBUTES = (
    attribute(
        "id",
        description="Unique identifier for the resource, assigned by the service provider.",
        case_exact=True,
        mutability="readOnly",
        returned="always",
        uniqueness="server",
    ),
    attribute(
        "externalId",
        description="An identifier for the resource as defined by the provisioning client.",
        case_exact=True,
    ),
    attribute(
        "meta",
        "complex",
        "Resource metadata, assigned by the service provider.",
        mutability="readOnly",
        sub_attributes=[
            attribute("resourceType", case_exact=True, mutability="readOnly"),
            attribute("created", "dateTime", mutability="readOnly"),
            attribute("lastModified", "dateTime", mutability="readOnly"),
            attribute(
                "location",
                "reference",
                case_exact=True,
                mutability="readOnly",
                reference_types=["uri"],
            ),
            attribute("version", case_exact=True, mutability="readOnly"),
        ],
    ),
)


# --- Rendering ------------------------------------------------------------------------------


def _base(base_url):
    return base_url.rstrip("/")


def _render_schema(doc, base_url):
    rendered = copy.deepcopy(doc)
    rendered["meta"] = {
        "resourceType": "Schema",
        "location": f"{_base(base_url)}/Schemas/{doc['id']}",
    }
    return rendered


def list_schemas(base_url):
    """All schema documents for ``GET /Schemas``, each with ``meta.location``."""
    return [_render_schema(doc, base_url) for doc in ALL_SCHEMA_DOCS]


def get_schema(schema_id, base_url):
    """The schema document for ``GET /Schemas/{schema_id}``.

    URNs are compared case-insensitively (RFC 8141 makes the "urn" scheme and NID
    case-insensitive, and RFC 7643 §2.1 makes schema URIs case-insensitive in attribute paths).
    Raises a 404 :class:`~cosmo_scim.scim.errors.ScimError` for an unknown id.
    """
    for doc in ALL_SCHEMA_DOCS:
        if doc["id"].lower() == (schema_id or "").lower():
            return _render_schema(doc, base_url)
    raise not_found(f"Schema {schema_id!r} not found")


def list_response(resources):
    """A ``ListResponse`` (RFC 7644 §3.4.2) holding every item of ``resources`` (one page)."""
    resources = list(resources)
    return {
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": len(resources),
        "itemsPerPage": len(resources),
        "startIndex": 1,
        "Resources": resources,
    }


def schemas_list_response(base_url):
    """The whole ``GET /Schemas`` body (RFC 7644 §4: a ListResponse)."""
    return list_response(list_schemas(base_url))


_RESOURCE_TYPES = (
    {
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "User Account",
        "schema": USER_SCHEMA,
        "schemaExtensions": [{"schema": ENTERPRISE_USER_SCHEMA, "required": False}],
    },
    {
        "id": "Group",
        "name": "Group",
        "endpoint": "/Groups",
        "description": "Group",
        "schema": GROUP_SCHEMA,
        "schemaExtensions": [],
    },
)


def _render_resource_type(resource_type, base_url):
    rendered = {"schemas": [RESOURCE_TYPE_SCHEMA], **copy.deepcopy(resource_type)}
    if not rendered["schemaExtensions"]:
        # RFC 7643 §6 makes schemaExtensions optional; an empty list carries no information.
        del rendered["schemaExtensions"]
    rendered["meta"] = {
        "resourceType": "ResourceType",
        "location": f"{_base(base_url)}/ResourceTypes/{resource_type['id']}",
    }
    return rendered


def list_resource_types(base_url):
    """The User and Group ``ResourceType`` documents for ``GET /ResourceTypes``."""
    return [_render_resource_type(rt, base_url) for rt in _RESOURCE_TYPES]


def get_resource_type(resource_type_id, base_url):
    """The ``ResourceType`` document for ``GET /ResourceTypes/{id}``; 404 ScimError if unknown.

    Compared case-insensitively, as resource type names are in RFC 7643 §6 examples
    ("User", "Group") and clients are not consistent about their case.
    """
    for rt in _RESOURCE_TYPES:
        if rt["id"].lower() == (resource_type_id or "").lower():
            return _render_resource_type(rt, base_url)
    raise not_found(f"ResourceType {resource_type_id!r} not found")


def resource_types_list_response(base_url):
    """The whole ``GET /ResourceTypes`` body (a ListResponse)."""
    return list_response(list_resource_types(base_url))


def service_provider_config(
    base_url,
    *,
    patch=True,
    bulk=False,
    filter_supported=True,
    max_results=100,
    change_password=False,
    sort=False,
    etag=False,
    documentation_uri=None,
    auth_documentation_uri=None,
):
    """The ``GET /ServiceProviderConfig`` document (RFC 7643 §5).

    Every capability is a parameter so the caller advertises exactly what its views do. Bulk,
    when unsupported, still carries ``maxOperations``/``maxPayloadSize`` (0) because §5 marks
    them REQUIRED. The single authentication scheme is the OAuth 2.0 bearer token (RFC 6750),
    which is what Okta and Entra send in the ``Authorization`` header.
    """
    scheme = {
        "type": "oauthbearertoken",
        "name": "OAuth Bearer Token",
        "description": "Authentication scheme using the OAuth Bearer Token Standard",
        "specUri": "https://www.rfc-editor.org/info/rfc6750",
        "primary": True,
    }
    if auth_documentation_uri:
        scheme["documentationUri"] = auth_documentation_uri
    config = {"schemas": [SERVICE_PROVIDER_CONFIG_SCHEMA]}
    if documentation_uri:
        config["documentationUri"] = documentation_uri
    config.update(
        {
            "patch": {"supported": bool(patch)},
            "bulk": {"supported": bool(bulk), "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": bool(filter_supported), "maxResults": int(max_results)},
            "changePassword": {"supported": bool(change_password)},
            "sort": {"supported": bool(sort)},
            "etag": {"supported": bool(etag)},
            "authenticationSchemes": [scheme],
            "meta": {
                "resourceType": "ServiceProviderConfig",
                "location": f"{_base(base_url)}/ServiceProviderConfig",
            },
        }
    )
    return config


# --- Attribute lookup, used by the PATCH engine ---------------------------------------------

_NAME = r"[A-Za-z$][\w$-]*"
_ATTR_PATH_RE = re.compile(rf"^({_NAME})(?:\.({_NAME}))?$")


@dataclass(frozen=True)
class AttributeRef:
    """Where an attribute path points.

    ``schema_urn`` is the schema defining the attribute; ``extension`` is that URN when the
    attribute lives in an extension object (stored under the URN key), else None.
    ``attr`` is the top-level definition, ``sub`` the sub-attribute definition or None.
    ``names`` are the canonical names: ``("name", "givenName")`` or ``("title",)``.
    """

    schema_urn: str
    extension: str | None
    attr: dict
    sub: dict | None = None

    @property
    def names(self):
        return (self.attr["name"],) + ((self.sub["name"],) if self.sub else ())

    @property
    def definition(self):
        """The definition of the attribute the path ends at."""
        return self.sub or self.attr

    @property
    def canonical_path(self):
        """The canonical, fully spelled path, URN-prefixed for extension attributes."""
        dotted = ".".join(self.names)
        return f"{self.extension}:{dotted}" if self.extension else dotted


def find_sub_attribute(attr, name):
    """The sub-attribute of complex ``attr`` called ``name`` (case-insensitive), or None."""
    for sub in attr.get("subAttributes", ()):
        if sub["name"].lower() == name.lower():
            return sub
    return None


class ResourceSchema:
    """The schemas of one resource type: core schema, its extensions, the common attributes."""

    def __init__(self, name, core, extensions=()):
        self.name = name
        self.core = core
        self.extensions = tuple(extensions)

    @property
    def core_urn(self):
        return self.core["id"]

    @property
    def extension_urns(self):
        return tuple(ext["id"] for ext in self.extensions)

    def extension_schema(self, urn):
        """The extension schema whose URN equals ``urn`` case-insensitively, or None."""
        for ext in self.extensions:
            if ext["id"].lower() == urn.lower():
                return ext
        return None

    def split_urn(self, path):
        """Split a leading schema URN off ``path``: ``(schema_doc, rest)``.

        ``schema_doc`` is None for a path without a URN (a core or common attribute).
        ``rest`` is "" when ``path`` is exactly an extension URN (the whole extension object).
        Raises invalidPath for a URN that is not one of this resource type's schemas.
        """
        if not path.lower().startswith("urn:"):
            return None, path
        for doc in (self.core, *self.extensions):
            urn = doc["id"].lower()
            lowered = path.lower()
            if lowered == urn:
                return doc, ""
            if lowered.startswith(urn + ":"):
                return doc, path[len(urn) + 1 :]
        raise invalid_path(f"Unknown schema in path {path!r}")

    def find_attribute(self, doc, name):
        """The top-level attribute ``name`` of ``doc`` (plus the common ones for the core)."""
        candidates = list(doc["attributes"])
        if doc is self.core:
            candidates.extend(COMMON_ATTRIBUTES)
        for attr in candidates:
            if attr["name"].lower() == name.lower():
                return attr
        return None

    def resolve(self, path):
        """Resolve an attribute path (no value filter) to an :class:`AttributeRef`.

        Accepts, case-insensitively (RFC 7643 §2.1): ``title``, ``name.givenName``,
        ``urn:ietf:params:scim:schemas:core:2.0:User:userName`` and
        ``urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value``.
        Raises invalidPath for anything this resource type does not define.
        """
        if not isinstance(path, str) or not path.strip():
            raise invalid_path(f"Invalid attribute path {path!r}")
        doc, rest = self.split_urn(path.strip())
        doc = doc or self.core
        match = _ATTR_PATH_RE.match(rest)
        if not match:
            raise invalid_path(f"Invalid attribute path {path!r}")
        return self.reference(doc, match.group(1), match.group(2), path)

    def reference(self, doc, name, sub_name, path):
        """The :class:`AttributeRef` of attribute ``name`` (and ``sub_name``, if given) of
        schema document ``doc``; invalidPath naming ``path`` when either is not defined."""
        attr = self.find_attribute(doc, name)
        if attr is None:
            raise invalid_path(f"Unknown attribute {path!r} for {self.name}")
        sub = None
        if sub_name:
            sub = find_sub_attribute(attr, sub_name)
            if sub is None:
                raise invalid_path(f"Unknown attribute {path!r} for {self.name}")
        extension = None if doc is self.core else doc["id"]
        return AttributeRef(doc["id"], extension, attr, sub)


USER = ResourceSchema("User", USER_SCHEMA_DOC, [ENTERPRISE_USER_SCHEMA_DOC])
GROUP = ResourceSchema("Group", GROUP_SCHEMA_DOC)


def resource_schema(name):
    """The :class:`ResourceSchema` of resource type ``name`` ("User" or "Group")."""
    for rs in (USER, GROUP):
        if rs.name.lower() == name.lower():
            return rs
    raise not_found(f"ResourceType {name!r} not found")


def resolve_attribute(resource_type, path):
    """Shortcut: ``resource_schema(resource_type).resolve(path)``."""
    return resource_schema(resource_type).resolve(path)
