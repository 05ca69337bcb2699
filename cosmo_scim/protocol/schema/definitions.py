"""The schemas of the resources this server serves, as RFC 7643 §7 data.

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

from ..urns import ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, SCHEMA_SCHEMA, USER_SCHEMA


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


def schema_document(schema_id, name, description, attributes):
    """A schema resource (RFC 7643 §7): its id (URN), names and attribute definitions."""
    return {
        "schemas": [SCHEMA_SCHEMA],
        "id": schema_id,
        "name": name,
        "description": description,
        "attributes": attributes,
    }


# --- User (RFC 7643 §4.1, §8.7.1), restricted to what we store ------------------------------

USER_SCHEMA_DOC = schema_document(
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

ENTERPRISE_USER_SCHEMA_DOC = schema_document(
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
