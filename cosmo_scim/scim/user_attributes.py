"""The User attribute table: every attribute a SCIM User stores, declared once.

:data:`COLUMNS` are the single-valued strings: SCIM path, the UserProfile field and ScimUser
column of the same name, caseExact. :data:`MULTI_VALUED` are the multi-valued complex
attributes: their string sub-attributes, and how many values one user may have
(``max_values``, also what :mod:`cosmo_scim.protocol.limits` counts them against). Reading a
body and the representation (:mod:`.users`) and the /Users filter registry
(:data:`USER_ATTRIBUTES`, below) are built from it, and tests check it against the published
schema (:mod:`cosmo_scim.protocol.schema.user_schema`) and the model.

The lengths and counts are limits too: every value is attack surface, and a limit is what
the database column, the audit trail and every later read can rely on. A string stored in a
column is as long as the column allows — the length is read from the model, declared there
once, so a value the column cannot hold is a 400, never a database error; only the keys of
the JSON-stored values, which have no column, declare their lengths here.
"""

from dataclasses import dataclass
from functools import cached_property
from typing import Any, cast

from django.apps import apps

from ..host import host_adapter
from ..protocol.filters.registry import (
    BOOLEAN,
    DATETIME,
    AttributeRegistry,
    JSONMultiValued,
    MultiValued,
    Scalar,
)
from ..protocol.paths import AttrPath, parse_attr_path
from ..protocol.urns import ENTERPRISE_USER_SCHEMA, USER_SCHEMA

# Lengths of the keys of JSON-stored values (a column's length is the model's).
MAX_LENGTH = 255
SHORT_LENGTH = 64
URL_LENGTH = 2048
# Values of one multi-valued attribute per user: Entra's default mapping sends at most three
# phone numbers and one address, Okta two and one; ten leaves room and bounds every read.
MAX_VALUES = 10


@dataclass(frozen=True)
class Column:
    """A User attribute stored as a string: ``path`` (the canonical SCIM attribute path),
    ``field`` (of UserProfile, and the column of the same name of ``model``), RFC 7643
    caseExact and ``required``. Every column can be filtered and sorted on.

    :attr:`max_length` is the column's own. A key of a JSON-stored value (``model`` None,
    see :func:`_key`) has no column and declares its ``length``.

    ``url``: an external reference (RFC 7643 §2.3.7) that a host may render as a link or an
    image (``profileUrl``, ``photos.value``). Only an absolute http(s) URL is taken, so no
    ``javascript:`` or ``data:`` URI an IdP — or whoever controls its directory — sends
    reaches a page."""

    path: str
    field: str
    case_exact: bool = False
    required: bool = False
    url: bool = False
    model: str | None = "cosmo_scim.ScimUser"
    length: int | None = None
    # The part of the person's account the value is copied to (``email``, ``given_name``,
    # ``family_name``: host_fields.person_field), whose column bounds it too.
    person: str | None = None

    def __post_init__(self) -> None:
        # One place per length: the column's, or — without a column — the declared one.
        if (self.model is None) == (self.length is None):
            raise ValueError(f"{self.path}: a length is declared exactly when there is no column")

    @property
    def max_length(self) -> int:
        """The most characters a value may have: what the database can store is what a
        body may send. A value copied onto the person's account is bounded by the account's
        column as well (the host's, asked through its adapter), so whether an account
        exists, and whose it is, never decides between a 201 and a database error (issue
        20, reproduction 6)."""
        if self.person is None:
            return self._column_length
        account = host_adapter().person_max_length(self.person)
        return self._column_length if account is None else min(self._column_length, account)

    @cached_property
    def _column_length(self) -> int:
        # A declared length exactly when there is no column (__post_init__); every column
        # of the table is a CharField, whose max_length is set.
        if self.model is None:
            return cast(int, self.length)
        field = apps.get_model(self.model)._meta.get_field(self.field)
        return cast(int, field.max_length)

    @cached_property
    def extension(self) -> str | None:
        """The extension URN the attribute belongs to, or None for the core schema."""
        return cast(AttrPath, parse_attr_path(self.path)).uri

    @cached_property
    def names(self) -> tuple[str, ...]:
        """``("name", "givenName")``, ``("title",)``: where the value sits in its object."""
        path = cast(AttrPath, parse_attr_path(self.path))  # the table's own paths parse
        return (path.name, path.sub) if path.sub else (path.name,)

    @cached_property
    def parent(self) -> str | None:
        """The complex attribute holding the value (``"name"``), or None."""
        return self.names[0] if len(self.names) == 2 else None

    @cached_property
    def label(self) -> str:
        """How errors name the attribute: its path without the schema URN."""
        return ".".join(self.names)


# In the order of the representation (RFC 7643 §4.1, §4.3).
COLUMNS = (
    Column("externalId", "external_id", case_exact=True),
    Column("userName", "user_name", required=True),
    Column("name.formatted", "formatted_name"),
    Column("name.familyName", "family_name", person="family_name"),
    Column("name.givenName", "given_name", person="given_name"),
    Column("name.middleName", "middle_name"),
    Column("name.honorificPrefix", "honorific_prefix"),
    Column("name.honorificSuffix", "honorific_suffix"),
    Column("displayName", "display_name"),
    Column("nickName", "nick_name"),
    Column("profileUrl", "profile_url", url=True),
    Column("title", "title"),
    Column("userType", "user_type"),
    Column("preferredLanguage", "preferred_language"),
    Column("locale", "locale"),
    Column("timezone", "time_zone"),
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
    columns: tuple["Column", ...]
    max_values: int = MAX_VALUES

    @cached_property
    def names(self) -> frozenset[str]:
        """The names of its string sub-attributes."""
        return frozenset(column.path for column in self.columns)

    @cached_property
    def stored_keys(self) -> tuple[str, ...]:
        """The keys of a stored value, in the schema's order: its sub-attributes, then
        ``primary``."""
        return (*(column.field for column in self.columns), "primary")

    def label(self, index: int, column: "Column | None" = None) -> str:
        """How errors name a value, or one of its sub-attributes: ``emails[0].value``."""
        return f"{self.path}[{index}]" + (f".{column.path}" if column else "")


def _key(path: str, length: int = MAX_LENGTH, **options: Any) -> "Column":
    """A sub-attribute of a JSON-stored value: the key of the same name, no column (so its
    length is declared here)."""
    return Column(path, path, model=None, length=length, **options)


# Each email is a ScimUserEmail row: its sub-attributes are that model's columns.
_EMAIL = "cosmo_scim.ScimUserEmail"
EMAILS = MultiValuedColumn(
    "emails",
    "emails",
    (
        Column("value", "value", required=True, model=_EMAIL, person="email"),
        Column("display", "display", model=_EMAIL),
        Column("type", "type", model=_EMAIL),
    ),
)
# A label ("work", "mobile"): 32 characters, as an email's type column.
_TYPE = _key("type", 32)
_DISPLAY = _key("display")
# In the order of the representation (RFC 7643 §4.1.2).
MULTI_VALUED = (
    EMAILS,
    MultiValuedColumn("phoneNumbers", "phone_numbers", (_key("value", 64), _DISPLAY, _TYPE)),
    MultiValuedColumn("ims", "ims", (_key("value"), _DISPLAY, _TYPE)),
    MultiValuedColumn("photos", "photos", (_key("value", URL_LENGTH, url=True), _DISPLAY, _TYPE)),
    MultiValuedColumn(
        "addresses",
        "addresses",
        (
            _key("formatted", 1024),
            _key("streetAddress", 512),
            _key("locality"),
            _key("region"),
            _key("postalCode", SHORT_LENGTH),
            _key("country", SHORT_LENGTH),
            _TYPE,
        ),
        max_values=5,
    ),
)
# The ones stored as JSON on ScimUser (emails are rows).
JSON_LISTS = MULTI_VALUED[1:]
# How many values each may have, by name: the bounds the input boundary
# (:func:`cosmo_scim.protocol.limits.check_values`) and the PATCH engine count against.
VALUE_BOUNDS = {attribute.path: attribute.max_values for attribute in MULTI_VALUED}


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
                # `value` is found by the cosmo_scim_email_value_key index (its caseless fold).
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
