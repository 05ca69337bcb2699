"""The SCIM User resource: JSON ⇄ :class:`cosmo_scim.provisioning.user_profile.UserProfile`.

This module only translates. Reading a body checks types and sizes (every problem is a 400
``invalidValue`` that changes nothing); writing builds the representation GET returns.

The User's stored string attributes are declared once, in :data:`COLUMNS`: their SCIM path,
the UserProfile field (the ScimUser column of the same name), caseExact and maximum length.
Reading, the representation and the /Users filter registry (:data:`USER_ATTRIBUTES`) are all
built from it, and a test checks it against the published schema
(:mod:`cosmo_scim.protocol.schema.definitions`).
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
    Column("displayName", "display_name"),
    Column("title", "title"),
    Column("locale", "locale", max_length=SHORT_LENGTH),
    Column("preferredLanguage", "preferred_language", max_length=SHORT_LENGTH),
    Column(f"{ENTERPRISE_USER_SCHEMA}:employeeNumber", "employee_number"),
    Column(f"{ENTERPRISE_USER_SCHEMA}:department", "department"),
    # The manager's id: ``manager`` is a complex attribute (RFC 7643 §4.3) holding it.
    Column(f"{ENTERPRISE_USER_SCHEMA}:manager.value", "manager_id", case_exact=True),
)
# The sub-attributes of each email (a ScimUserEmail row), ``primary`` aside (a boolean).
EMAIL_COLUMNS = (
    Column("value", "value", max_length=254, required=True),
    Column("type", "type", max_length=32),
    Column("display", "display"),
)


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


def _emails(value):
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid_value("emails must be an array")
    emails = []
    for index, item in enumerate(value):
        entry = json_object(item, f"emails[{index}]")
        fields = {}
        for column in EMAIL_COLUMNS:
            label = f"emails[{index}].{column.path}"
            fields[column.field] = _string(
                entry, column.path, label, max_length=column.max_length, required=column.required
            )
            if column.field == "value":
                try:
                    validate_email(fields["value"])
                except ValidationError:
                    raise invalid_value(f"{label} is not an email address") from None
        primary = caseless.get(entry, "primary", False)
        emails.append(Email(primary=boolean(primary, f"emails[{index}].primary"), **fields))
    if sum(email.primary for email in emails) > 1:
        raise invalid_value("At most one email may be primary (RFC 7643 §2.4)")
    return emails


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
        emails=_emails(caseless.get(data, "emails")),
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


def represent(scim_user, location, groups=()):
    """The full SCIM representation of a user: a row read through
    :func:`cosmo_scim.scim.user_adapter.user_queryset`, or a ScimUser the lifecycle service
    wrote (with ``email_rows`` and ``group_rows`` set, its membership loaded)."""
    core, enterprise = _columns(scim_user, location)
    emails = [
        _present(
            {
                "value": email["value"],
                "type": email["type"],
                # Stored as a boolean, returned as one: false is a value,
                # not "unassigned" (RFC 7643 §2.5). SQLite's JSON says 0/1.
                "primary": bool(email["primary"]),
                "display": email["display"],
            }
        )
        for email in scim_user.email_rows
    ]
    if emails:
        core["emails"] = emails
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
                **{column.path: Scalar(column.field) for column in EMAIL_COLUMNS},
                "primary": Scalar("primary", BOOLEAN),
            },
        ),
    },
    core_schema=USER_SCHEMA,
)
