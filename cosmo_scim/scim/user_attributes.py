"""The User attribute table: every attribute a SCIM User stores, declared once.

:data:`COLUMNS` are the single-valued strings: SCIM path, the UserProfile field and ScimUser
column of the same name, caseExact, maximum length. :data:`MULTI_VALUED` are the multi-valued
complex attributes: their string sub-attributes as columns with their lengths, and how many
values one user may have. Reading a body and the representation (:mod:`.users`) and the
/Users filter registry (:data:`USER_ATTRIBUTES`, below) are built from it, and tests check it
against the published schema (:mod:`cosmo_scim.protocol.schema.user_schema`) and the model.

The lengths and counts are limits too: every value is attack surface, and a limit is what
the database column, the audit trail and every later read can rely on.
"""

from dataclasses import dataclass
from functools import cached_property

from ..protocol.filters.registry import (
    BOOLEAN,
    DATETIME,
    AttributeRegistry,
    JSONMultiValued,
    MultiValued,
    Scalar,
)
from ..protocol.paths import parse_attr_path
from ..protocol.urns import ENTERPRISE_USER_SCHEMA, USER_SCHEMA

MAX_LENGTH = 255
SHORT_LENGTH = 64
URL_LENGTH = 2048
# Values of one multi-valued attribute per user: Entra's default mapping sends at most three
# phone numbers and one address, Okta two and one; ten leaves room and bounds every read.
MAX_VALUES = 10


@dataclass(frozen=True)
class Column:
    """A User attribute stored as a string: ``path`` (the canonical SCIM attribute path),
    ``field`` (of UserProfile, and the ScimUser column), RFC 7643 caseExact, ``max_length``
    and ``required``. Every column can be filtered and sorted on.

    ``url``: an external reference (RFC 7643 §2.3.7) that a host may render as a link or an
    image (``profileUrl``, ``photos.value``). Only an absolute http(s) URL is taken, so no
    ``javascript:`` or ``data:`` URI an IdP — or whoever controls its directory — sends
    reaches a page."""

    path: str
    field: str
    case_exact: bool = False
    max_length: int = MAX_LENGTH
    required: bool = False
    url: bool = False

    @cached_property
    def extension(self):
        """The extension URN the attribute belongs to, or None for the core schema."""
        return parse_attr_path(self.path).uri

    @cached_property
    def names(self):
        """``("name", "givenName")``, ``("title",)``: where the value sits in its object."""
        path = parse_attr_path(self.path)
        return (path.name, path.sub) if path.sub else (path.name,)

    @cached_property
    def parent(self):
        """The complex attribute holding the value (``"name"``), or None."""
        return self.names[0] if len(self.names) == 2 else None

    @cached_property
    def label(self):
        """How errors name the attribute: its path without the schema URN."""
        return ".".join(self.names)


# In the order of the representation (RFC 7643 §4.1, §4.3).
COLUMNS = (
    Column("externalId", "external_id", case_exact=True),
    Column("userName", "user_name", required=True),
    Column("name.formatted", "formatted_name"),
    Column("name.familyName", "family_name"),
    Column("name.givenName", "given_name"),
    Column("name.middleName", "middle_name"),
    Column("name.honorificPrefix", "honorific_prefix", max_length=SHORT_LENGTH),
    Column("name.honorificSuffix", "honorific_suffix", max_length=SHORT_LENGTH),
    Column("displayName", "display_name"),
    Column("nickName", "nick_name"),
    Column("profileUrl", "profile_url", max_length=URL_LENGTH, url=True),
    Column("title", "title"),
    Column("userType", "user_type", max_length=SHORT_LENGTH),
    Column("preferredLanguage", "preferred_language", max_length=SHORT_LENGTH),
    Column("locale", "locale", max_length=SHORT_LENGTH),
    Column("timezone", "time_zone", max_length=SHORT_LENGTH),
    Column(f"{ENTERPRISE_USER_SCHEMA}:employeeNumber", "employee_number"),
    Column(f"{ENTERPRISE_USER_SCHEMA}:costCenter", "cost_center"),
    Column(f"{ENTERPRISE_USER_SCHEMA}:organization", "organization_name"),
    Column(f"{ENTERPRISE_USER_SCHEMA}:division", "division"),
    Column(f"{ENTERPRISE_USER_SCHEMA}:department", "department"),
    # The manager's id: ``manager`` is a complex attribute (RFC 7643 §4.3) holding it.
    Column(f"{ENTERPRISE_USER_SCHEMA}:manager.value", "manager_id", case_exact=True),
)


@dataclass(frozen=True)
class MultiValuedColumn:
    """A multi-valued complex User attribute (RFC 7643 §2.4): ``path`` (its name),
    ``field`` (of UserProfile, and the ScimUser JSON column; ``emails`` are ScimUserEmail
    rows), ``columns`` (its string sub-attributes, each with its ``max_length``) and
    ``max_values``, how many values one user may have. Every one of them also has the
    boolean ``primary`` (true at most once)."""

    path: str
    field: str
    columns: tuple
    max_values: int = MAX_VALUES

    @cached_property
    def names(self):
        """The names of its string sub-attributes."""
        return frozenset(column.path for column in self.columns)

    def label(self, index, column=None):
        """How errors name a value, or one of its sub-attributes: ``emails[0].value``."""
        return f"{self.path}[{index}]" + (f".{column.path}" if column else "")


_TYPE = Column("type", "type", max_length=32)
_DISPLAY = Column("display", "display")
EMAILS = MultiValuedColumn(
    "emails",
    "emails",
    (Column("value", "value", max_length=254, required=True), _DISPLAY, _TYPE),
)
# In the order of the representation (RFC 7643 §4.1.2).
MULTI_VALUED = (
    EMAILS,
    MultiValuedColumn(
        "phoneNumbers", "phone_numbers", (Column("value", "value", max_length=64), _DISPLAY, _TYPE)
    ),
    MultiValuedColumn("ims", "ims", (Column("value", "value"), _DISPLAY, _TYPE)),
    MultiValuedColumn(
        "photos",
        "photos",
        (Column("value", "value", max_length=URL_LENGTH, url=True), _DISPLAY, _TYPE),
    ),
    MultiValuedColumn(
        "addresses",
        "addresses",
        (
            Column("formatted", "formatted", max_length=1024),
            Column("streetAddress", "streetAddress", max_length=512),
            Column("locality", "locality"),
            Column("region", "region"),
            Column("postalCode", "postalCode", max_length=SHORT_LENGTH),
            Column("country", "country", max_length=SHORT_LENGTH),
            _TYPE,
        ),
        max_values=5,
    ),
)
# The ones stored as JSON on ScimUser (emails are rows).
JSON_LISTS = MULTI_VALUED[1:]


# What ``filter`` and ``sortBy`` may name on /Users, and how each maps to the ORM.
# caseExact follows RFC 7643 §4.1 / §7: ids are exact, names and addresses are not.
USER_ATTRIBUTES = AttributeRegistry(
    {
        "id": Scalar("scim_id", case_exact=True),
        **{column.path: Scalar(column.field, case_exact=column.case_exact) for column in COLUMNS},
        # The read annotation (user_reads.membership_active): a membership awaiting the
        # person's consent is active as far as the IdP is concerned.
        "active": Scalar("active", BOOLEAN),
        "meta.created": Scalar("created", DATETIME),
        "meta.lastModified": Scalar("last_modified", DATETIME),
        "emails": MultiValued(
            "cosmo_scim.ScimUserEmail",
            fk="scim_user",
            attributes={
                # `value` is found by the cosmo_scim_email_value_ci index (LOWER(value)).
                **{
                    column.path: Scalar(column.field, indexed=column.field == "value")
                    for column in EMAILS.columns
                },
                "primary": Scalar("primary", BOOLEAN),
            },
        ),
        **{
            attribute.path: JSONMultiValued(
                attribute.field,
                attribute.max_values,
                {
                    **{column.path: Scalar(column.field) for column in attribute.columns},
                    "primary": Scalar("primary", BOOLEAN),
                },
            )
            for attribute in JSON_LISTS
        },
    },
    core_schema=USER_SCHEMA,
)
