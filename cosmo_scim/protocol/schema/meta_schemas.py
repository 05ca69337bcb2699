"""The discovery schemas themselves (RFC 7643 §8.7.2): Schema, ResourceType and
ServiceProviderConfig, as RFC 7643 §7 data.

``/Schemas`` publishes them beside the resource schemas: scim2-tester's
``core_schemas_validation`` check reports an ERROR when they are missing. Every attribute of a
discovery resource is readOnly.
"""

from collections.abc import Iterable
from typing import Any

from ..documents import Definition
from ..urns import RESOURCE_TYPE_SCHEMA, SCHEMA_SCHEMA, SERVICE_PROVIDER_CONFIG_SCHEMA
from .definitions import attribute, schema_document


def _ro(name: str, type_: str = "string", description: str = "", **kwargs: Any) -> Definition:
    """A readOnly attribute, as every attribute of a discovery resource is."""
    kwargs.setdefault("mutability", "readOnly")
    return attribute(name, type_, description, **kwargs)


def _attribute_definition_subattributes(with_sub_attributes: bool) -> list[Definition]:
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


SCHEMA_SCHEMA_DOC = schema_document(
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

RESOURCE_TYPE_SCHEMA_DOC = schema_document(
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


def _supported(name: str, description: str, extra: Iterable[Definition] = ()) -> Definition:
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


SERVICE_PROVIDER_CONFIG_SCHEMA_DOC = schema_document(
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
