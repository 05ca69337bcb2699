"""The User resource's schemas as this server publishes and applies them: the core User
(RFC 7643 §4.1, §8.7.1) and the Enterprise User extension (RFC 7643 §4.3).

Every attribute of RFC 7643 §4.1 that a member's IdP may describe is here, except ``roles``,
``entitlements`` and ``x509Certificates``: a member's role in the product comes from their
IdP groups (docs/scim.md "Groups and roles"), and nothing in the product reads entitlements
or certificates, so storing them would only promise what the product does not do. Sending
them is ignored (PUT, POST) or ``invalidPath`` (PATCH), as for any attribute not published.

Characteristics say what the server does: ``emails.value`` has ``uniqueness: server``
because a login address is one member's (a clash is ``409 uniqueness``); ``manager``'s
``displayName`` is ``returned: never`` because the server does not compute it.
"""

from typing import Any

from ..documents import Definition
from ..urns import ENTERPRISE_USER_SCHEMA, USER_SCHEMA
from .definitions import attribute, schema_document


def _type_and_primary(noun: str, types: list[str]) -> list[Definition]:
    """The ``type`` and ``primary`` sub-attributes of a multi-valued attribute (RFC 7643
    §2.4), for values called ``noun``."""
    return [
        attribute(
            "type", description=f"A label indicating the {noun}'s function.", canonical_values=types
        ),
        attribute(
            "primary",
            "boolean",
            f"Whether this is the primary {noun}; true appears at most once (setting a new "
            "primary clears the others).",
        ),
    ]


def _plural(
    name: str,
    description: str,
    value: str,
    *,
    types: list[str],
    value_type: str = "string",
    value_extra: dict[str, Any] | None = None,
) -> Definition:
    """A multi-valued attribute of RFC 7643 §2.4's common shape: ``value``, ``display``,
    ``type`` (with ``types`` as canonical values) and ``primary``."""
    return attribute(
        name,
        "complex",
        description,
        multi_valued=True,
        sub_attributes=[
            attribute("value", value_type, value, **(value_extra or {})),
            attribute("display", description="A human-readable name, for display only."),
            *_type_and_primary("value", types),
        ],
    )


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
                attribute("middleName", description="The middle name(s)."),
                attribute("honorificPrefix", description="Honorific prefix, e.g. 'Ms.'."),
                attribute("honorificSuffix", description="Honorific suffix, e.g. 'III'."),
            ],
        ),
        attribute("displayName", description="The name of the User, suitable for display."),
        attribute("nickName", description="The casual way to address the user."),
        attribute(
            "profileUrl",
            "reference",
            "A URI of an online location of the user's profile.",
            reference_types=["external"],
        ),
        attribute("title", description="The user's title, such as 'Vice President'."),
        attribute(
            "userType",
            description="The relationship of the user to the organization, e.g. 'Employee'.",
        ),
        attribute(
            "preferredLanguage",
            description="Preferred written or spoken language of the User, e.g. 'en'.",
        ),
        attribute("locale", description="Default location of the User, e.g. 'en-US'."),
        attribute(
            "timezone",
            description="The User's time zone, in IANA Time Zone database format, e.g. "
            "'America/Los_Angeles'.",
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
            "password",
            description="The User's cleartext password, accepted for writing only.",
            case_exact=True,
            mutability="writeOnly",
            returned="never",
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
                    description="Email address for the user; an entry without one is refused. "
                    "The login address (the primary, else the first) is one member's in the "
                    "organization: provisioning or changing a user whose login address is "
                    "already a member's is 409 uniqueness.",
                    required=True,
                    uniqueness="server",
                ),
                attribute("display", description="A human-readable name, for display only."),
                *_type_and_primary("email", ["work", "home", "other"]),
            ],
        ),
        _plural(
            "phoneNumbers",
            "Phone numbers for the User.",
            "Phone number of the User, e.g. 'tel:+1-201-555-0123' or '+1 201 555 0123'.",
            types=["work", "home", "mobile", "fax", "pager", "other"],
        ),
        _plural(
            "ims",
            "Instant messaging addresses for the User.",
            "Instant messaging address for the User.",
            types=["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
        ),
        _plural(
            "photos",
            "URLs of photos of the User.",
            "URL of a photo of the User.",
            types=["photo", "thumbnail"],
            value_type="reference",
            value_extra={"reference_types": ["external"]},
        ),
        attribute(
            "addresses",
            "complex",
            "A physical mailing address for this User.",
            multi_valued=True,
            sub_attributes=[
                attribute("formatted", description="The full mailing address, for display."),
                attribute(
                    "streetAddress", description="The full street address (may be multi-line)."
                ),
                attribute("locality", description="The city or locality."),
                attribute("region", description="The state or region."),
                attribute("postalCode", description="The zip code or postal code."),
                attribute("country", description="The country, e.g. 'US' (ISO 3166-1 alpha-2)."),
                *_type_and_primary("address", ["work", "home", "other"]),
            ],
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

ENTERPRISE_USER_SCHEMA_DOC = schema_document(
    ENTERPRISE_USER_SCHEMA,
    "EnterpriseUser",
    "Enterprise User",
    [
        attribute("employeeNumber", description="Numeric or alphanumeric employee identifier."),
        attribute("costCenter", description="Identifies the name of a cost center."),
        attribute("organization", description="Identifies the name of an organization."),
        attribute("division", description="Identifies the name of a division."),
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
                    "The URI of the SCIM resource representing the manager, derived from value.",
                    case_exact=True,
                    reference_types=["User"],
                ),
                attribute(
                    "displayName",
                    description="The displayName of the manager. Not returned: it is the "
                    "manager's own resource's, and would go stale in this one without a "
                    "change of its version; read the manager by value instead.",
                    mutability="readOnly",
                    returned="never",
                ),
            ],
        ),
    ],
)
