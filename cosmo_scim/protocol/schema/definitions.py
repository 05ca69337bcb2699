"""The schemas of the resources this server serves, as RFC 7643 §7 data: how an attribute
definition is written, the Group schema and the common attributes (the User's schemas are in
:mod:`.user_schema`).

The attribute definitions below describe exactly what this server stores and returns. They are
kept in their published RFC 7643 §7 JSON form so that ``/Schemas`` is rendered straight from
them (:mod:`.discovery`) and the PATCH engine (:mod:`cosmo_scim.protocol.patch`) reads the very
same characteristics (type, mutability, caseExact, multiValued…) it enforces, through
:mod:`.resolve`: what is advertised is what is applied.

Common attributes (``id``, ``externalId``, ``meta``) are *not* listed inside the published User
and Group schemas. RFC 7643 §3.1 says they "are considered to be part of every base resource
schema and do not use their own 'schemas' URI", and the RFC's own schema representation
(§8.7.1) leaves them out. The compliance checker scim2-tester builds its models with
scim2-models' ``Resource.from_schema``, whose ``Resource`` base class already carries
``id``/``externalId``/``meta`` (with ``meta`` typed as its ``Meta`` model, whose ``location`` and
``resourceType`` the checker reads). Declaring ``meta`` again in the schema would replace that
typed field with a generic complex one. The engine still knows their characteristics through
:data:`COMMON_ATTRIBUTES` (``id``/``meta`` readOnly, ``externalId`` readWrite and caseExact).
"""

from collections.abc import Iterable

from ..documents import Definition, SchemaDocument
from ..urns import GROUP_SCHEMA, SCHEMA_SCHEMA


def attribute(
    name: str,
    type_: str = "string",
    description: str = "",
    *,
    multi_valued: bool = False,
    required: bool = False,
    case_exact: bool = False,
    mutability: str = "readWrite",
    returned: str = "default",
    uniqueness: str = "none",
    sub_attributes: Iterable[Definition] | None = None,
    canonical_values: Iterable[str] | None = None,
    reference_types: Iterable[str] | None = None,
) -> Definition:
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


def schema_document(
    schema_id: str, name: str, description: str, attributes: list[Definition]
) -> SchemaDocument:
    """A schema resource (RFC 7643 §7): its id (URN), names and attribute definitions."""
    return {
        "schemas": [SCHEMA_SCHEMA],
        "id": schema_id,
        "name": name,
        "description": description,
        "attributes": attributes,
    }


# --- Group (RFC 7643 §4.2) ------------------------------------------------------------------

GROUP_SCHEMA_DOC = schema_document(
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
