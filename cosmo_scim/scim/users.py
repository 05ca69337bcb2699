"""The SCIM User resource: JSON ⇄ :class:`cosmo_scim.provisioning.user_profile.UserProfile`.

This module only translates. Reading a body checks types and sizes (every problem is a 400
``invalidValue`` that changes nothing); writing builds the representation GET returns.

The User's stored attributes are declared once, in this attribute table: :data:`COLUMNS`
(the single-valued strings: SCIM path, the UserProfile field and ScimUser column of the same
name, caseExact, maximum length) and :data:`MULTI_VALUED` (the multi-valued complex
attributes: their string sub-attributes as columns with their lengths, and how many values
one user may have). Reading, the representation and the /Users filter registry
(:data:`USER_ATTRIBUTES`) are all built from it, and tests check it against the published
schema (:mod:`cosmo_scim.protocol.schema.user_schema`) and the model. The lengths and
counts are limits too: every value is attack surface, and a limit is what the database
column, the audit trail and every later read can rely on.
"""

from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from ..protocol import caseless
from ..protocol.coerce import boolean, json_object, reference_id
from ..protocol.errors import invalid_value
from ..protocol.filters.registry import BOOLEAN, DATETIME, AttributeRegistry, MultiValued, Scalar
from ..protocol.paths import parse_attr_path
from ..protocol.preconditions import etag
from ..protocol.urns import ENTERPRISE_USER_SCHEMA, USER_SCHEMA, names_schema
from ..provisioning.user_profile import Email, UserProfile

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
    and ``required``. Every column can be filtered and sorted on."""

    path: str
    field: str
    case_exact: bool = False
    max_length: int = MAX_LENGTH
    required: bool = False

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
    Column("profileUrl", "profile_url", max_length=URL_LENGTH),
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
        "photos", "photos", (Column("value", "value", max_length=URL_LENGTH), _DISPLAY, _TYPE)
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


def _string(container, name, label, *, max_length=MAX_LENGTH, required=False):
    value = caseless.get(container, name)
    if value is None:
        if required:
            raise invalid_value(f"{label} is required")
        return ""
    if not isinstance(value, str):
        raise invalid_value(f"{label} must be a string")
    value = value.strip()
    if required and not value:
        raise invalid_value(f"{label} must not be empty")
    if len(value) > max_length:
        raise invalid_value(f"{label} is longer than {max_length} characters")
    return value


def _values(container, attribute):
    """The values of multi-valued ``attribute``: a list of at most ``max_values`` objects,
    at most one of them primary (RFC 7643 §2.4), each with its strings read by its columns
    and its ``primary`` as a boolean (a string "True" too: Entra's default dialect)."""
    raw = caseless.get(container, attribute.path)
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise invalid_value(f"{attribute.path} must be an array")
    if len(raw) > attribute.max_values:
        raise invalid_value(
            f"{attribute.path} has {len(raw)} values; at most {attribute.max_values} are kept"
        )
    values = []
    for index, item in enumerate(raw):
        entry = json_object(item, attribute.label(index))
        value = {
            column.field: _string(
                entry,
                column.path,
                attribute.label(index, column),
                max_length=column.max_length,
                required=column.required,
            )
            for column in attribute.columns
        }
        primary = caseless.get(entry, "primary")
        value["primary"] = None if primary is None else boolean(primary, attribute.label(index))
        values.append(value)
    if sum(value["primary"] is True for value in values) > 1:
        raise invalid_value(f"At most one of {attribute.path} may be primary (RFC 7643 §2.4)")
    return values


def _emails(container):
    emails = []
    for index, fields in enumerate(_values(container, EMAILS)):
        try:
            validate_email(fields["value"])
        except ValidationError:
            label = EMAILS.label(index, EMAILS.columns[0])
            raise invalid_value(f"{label} is not an email address") from None
        emails.append(Email(**{**fields, "primary": fields["primary"] is True}))
    return emails


def _value_list(container, attribute):
    """A JSON-stored attribute's values as stored and returned: assigned sub-attributes
    only (RFC 7643 §2.5), ``primary`` as sent. A value without its ``value`` (an address:
    without any part of the address) holds nothing: it is what remains when Entra removes
    ``phoneNumbers[type eq "fax"].value``, and it is not kept."""
    labels = {"type", "primary", "display"}
    kept = []
    for value in _values(container, attribute):
        value = {name: item for name, item in value.items() if item not in ("", None)}
        if ("value" in value) if "value" in attribute.names else value.keys() - labels:
            kept.append(value)
    return kept


def _external_id(data, column):
    """Optional, and None rather than "" when absent: it identifies the user at the IdP."""
    external_id = caseless.get(data, column.label)
    if external_id is not None and not isinstance(external_id, str):
        raise invalid_value(f"{column.label} must be a string")
    return (external_id.strip()[: column.max_length] or None) if external_id else None


def _manager_id(enterprise, column):
    """``manager`` is a complex attribute with ``value``; Entra also sends a bare id."""
    manager = caseless.get(enterprise, "manager")
    if manager is None or manager == "":
        return ""
    if isinstance(manager, str):
        return manager.strip()[: column.max_length]
    entry = json_object(manager, "manager")
    manager_id = _string(entry, "value", "manager.value")
    if not manager_id:
        # Only "$ref" given: the id is its last path segment (as the PATCH engine reads it).
        manager_id = reference_id(_string(entry, "$ref", "manager.$ref"))
    return manager_id


def _column_value(objects, column):
    """A column's value from the body's ``objects``: {(schema extension, parent): object}."""
    if column.field == "external_id":
        return _external_id(objects[None, None], column)
    if column.field == "manager_id":
        return _manager_id(objects[column.extension, None], column)
    return _string(
        objects[column.extension, column.parent],
        column.names[-1],
        column.label,
        max_length=column.max_length,
        required=column.required,
    )


def parse_user(body):
    """Read a full User representation (POST, PUT, or a patched resource).

    Read-only attributes (``id``, ``meta``, ``groups``) are ignored as RFC 7644 §3.5.1
    allows; ``password`` is accepted (Okta always sends one) and dropped, never stored.
    """
    data = json_object(body, "The request body")
    schemas = caseless.get(data, "schemas")
    if schemas is not None and not names_schema(schemas, USER_SCHEMA):
        raise invalid_value(f"schemas must include {USER_SCHEMA}")
    enterprise = caseless.get(data, ENTERPRISE_USER_SCHEMA) or {}
    objects = {
        (None, None): data,
        (None, "name"): json_object(caseless.get(data, "name") or {}, "name"),
        (ENTERPRISE_USER_SCHEMA, None): json_object(enterprise, ENTERPRISE_USER_SCHEMA),
    }
    active = caseless.get(data, "active")
    return UserProfile(
        **{column.field: _column_value(objects, column) for column in COLUMNS},
        **{attribute.field: _value_list(data, attribute) for attribute in JSON_LISTS},
        emails=_emails(data),
        active=None if active is None else boolean(active, "active"),
    )


def _manager(manager_id, location):
    """The manager reference: its id and, derived from it, the URI of that User resource
    (RFC 7643 §4.3 "$ref", RECOMMENDED), beside this user's own ``location``."""
    if not manager_id:
        return None
    users_endpoint = location.rstrip("/").rsplit("/", 1)[0]
    return {"value": manager_id, "$ref": f"{users_endpoint}/{manager_id}"}


def _present(mapping):
    return {key: value for key, value in mapping.items() if value not in ("", None, [], {})}


def _columns(scim_user, location):
    """The core and enterprise attributes of the stored columns: ``(core, enterprise)``,
    unassigned ones left out (RFC 7643 §2.5)."""
    objects = {None: {}, ENTERPRISE_USER_SCHEMA: {}}
    for column in COLUMNS:
        value = getattr(scim_user, column.field)
        parent, name = column.parent, column.names[-1]
        if column.field == "manager_id":
            # The whole reference, not only its value.
            value, parent, name = _manager(value, location), None, "manager"
        if value in ("", None):
            continue
        target = objects[column.extension]
        if parent:
            target = target.setdefault(parent, {})
        target[name] = value
    return objects[None], objects[ENTERPRISE_USER_SCHEMA]


def _ordered(value, attribute):
    """A stored value with its sub-attributes in the schema's order."""
    names = [column.field for column in attribute.columns] + ["primary"]
    return {name: value[name] for name in names if name in value}


def represent(scim_user, location, groups=()):
    """The full SCIM representation of a user: a row read through
    :func:`cosmo_scim.scim.user_adapter.user_queryset`, or a ScimUser the lifecycle service
    wrote (with ``email_rows`` and ``group_rows`` set, its membership loaded)."""
    core, enterprise = _columns(scim_user, location)
    emails = [
        _present(
            {
                "value": email["value"],
                "display": email["display"],
                "type": email["type"],
                # Stored as a boolean, returned as one: false is a value,
                # not "unassigned" (RFC 7643 §2.5). SQLite's JSON says 0/1.
                "primary": bool(email["primary"]),
            }
        )
        for email in scim_user.email_rows
    ]
    if emails:
        core["emails"] = emails
    for attribute in JSON_LISTS:
        values = getattr(scim_user, attribute.field)
        if values:
            core[attribute.path] = [_ordered(value, attribute) for value in values]
    resource = {
        "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA] if enterprise else [USER_SCHEMA],
        "id": scim_user.scim_id,
        **core,
        "active": scim_user.active,
        "groups": list(groups),
        "meta": {
            "resourceType": "User",
            "created": scim_user.created.isoformat(),
            "lastModified": scim_user.last_modified.isoformat(),
            "location": location,
            "version": etag(scim_user),
        },
    }
    if enterprise:
        resource[ENTERPRISE_USER_SCHEMA] = enterprise
    return resource


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
                **{column.path: Scalar(column.field) for column in EMAILS.columns},
                "primary": Scalar("primary", BOOLEAN),
            },
        ),
    },
    core_schema=USER_SCHEMA,
)
