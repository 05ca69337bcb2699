"""The SCIM User resource: JSON ⇄ :class:`cosmo_scim.provisioning.user_profile.UserProfile`.

This module only translates. Reading a body checks types and sizes (every problem is a 400
``invalidValue`` that changes nothing); writing builds the representation GET returns.

Both directions follow the attribute table (:mod:`.user_attributes`): which attributes
there are, their lengths (a column's own) and how many values each may have (counted by
:func:`cosmo_scim.protocol.limits.check_values` before any value is read).
"""

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email

from .. import addresses
from ..protocol import caseless, limits
from ..protocol.coerce import boolean, json_object, reference_id
from ..protocol.documents import JsonObject
from ..protocol.errors import invalid_value
from ..protocol.preconditions import etag
from ..protocol.schema.resolve import USER
from ..protocol.urns import ENTERPRISE_USER_SCHEMA, USER_SCHEMA, names_schema
from ..provisioning.user_profile import Email, UserProfile
from .groups import ReadUser
from .user_attributes import COLUMNS, EMAILS, JSON_LISTS, VALUE_BOUNDS, Column, MultiValuedColumn


def _string(
    container: Mapping[str, Any], name: str, label: str, *, max_length: int, required: bool = False
) -> str:
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


_URL = URLValidator(schemes=["http", "https"])


def _column_string(container: Mapping[str, Any], column: Column, label: str) -> str:
    """:func:`_string` by a column's rules: its length, whether it is required, and for a
    ``url`` column an absolute http(s) URL."""
    value = _string(
        container, column.names[-1], label, max_length=column.max_length, required=column.required
    )
    if value and column.url:
        try:
            _URL(value)
        except ValidationError:
            raise invalid_value(f"{label} must be an absolute http or https URL") from None
    return value


def _values(container: Mapping[str, Any], attribute: MultiValuedColumn) -> list[JsonObject]:
    """The values of multi-valued ``attribute`` (as many as :func:`parse_user` let
    through: its ``max_values``): a list of objects, at most one of them primary (RFC 7643
    §2.4), each with its strings read by its columns and its ``primary`` as a boolean (a
    string "True" too: Entra's default dialect)."""
    raw = caseless.get(container, attribute.path)
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise invalid_value(f"{attribute.path} must be an array")
    values: list[JsonObject] = []
    for index, item in enumerate(raw):
        entry = json_object(item, attribute.label(index))
        value: JsonObject = {
            column.field: _column_string(entry, column, attribute.label(index, column))
            for column in attribute.columns
        }
        primary = caseless.get(entry, "primary")
        value["primary"] = None if primary is None else boolean(primary, attribute.label(index))
        values.append(value)
    if sum(value["primary"] is True for value in values) > 1:
        raise invalid_value(f"At most one of {attribute.path} may be primary (RFC 7643 §2.4)")
    return values


def _emails(container: Mapping[str, Any]) -> list[Email]:
    """The email values, each an address that can be a login (any of them may become the
    primary): Django's validator, then the address rule (addresses.py), which refuses a
    look-alike of another address in another case."""
    emails = []
    for index, fields in enumerate(_values(container, EMAILS)):
        label = EMAILS.label(index, EMAILS.columns[0])
        try:
            validate_email(fields["value"])
        except ValidationError:
            raise invalid_value(f"{label} is not an email address") from None
        _check_address(fields["value"], label)
        emails.append(Email(**{**fields, "primary": fields["primary"] is True}))
    return emails


def _check_address(address: str, label: str) -> None:
    reason = addresses.refusal(address)
    if reason is not None:
        raise invalid_value(f"{label} {reason}")


def _value_list(container: Mapping[str, Any], attribute: MultiValuedColumn) -> list[JsonObject]:
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


def _external_id(data: Mapping[str, Any], column: Column) -> str | None:
    """Optional, and None rather than "" when absent: it identifies the user at the IdP."""
    external_id = _string(data, column.label, column.label, max_length=column.max_length)
    return external_id or None


def _manager_id(enterprise: Mapping[str, Any], column: Column) -> str:
    """``manager`` is a complex attribute with ``value``; Entra also sends a bare id."""
    manager = caseless.get(enterprise, "manager")
    if manager is None or manager == "":
        return ""
    if isinstance(manager, str):
        return _string(enterprise, "manager", "manager", max_length=column.max_length)
    entry = json_object(manager, "manager")
    manager_id = _string(entry, "value", "manager.value", max_length=column.max_length)
    if not manager_id:
        # Only "$ref" given: the id is its last path segment (as the PATCH engine reads it);
        # the URI is not stored, so it is bounded by the body's size only.
        ref = _string(entry, "$ref", "manager.$ref", max_length=limits.MAX_BODY_BYTES)
        manager_id = reference_id(ref)
        if len(manager_id) > column.max_length:
            raise invalid_value(f"manager.value is longer than {column.max_length} characters")
    return manager_id


def _column_value(
    objects: Mapping[tuple[str | None, str | None], JsonObject], column: Column
) -> str | None:
    """A column's value from the body's ``objects``: {(schema extension, parent): object}."""
    if column.field == "external_id":
        return _external_id(objects[None, None], column)
    if column.field == "manager_id":
        return _manager_id(objects[column.extension, None], column)
    return _column_string(objects[column.extension, column.parent], column, column.label)


def parse_user(body: object) -> UserProfile:
    """Read a full User representation (POST, PUT, or a patched resource).

    Read-only attributes (``id``, ``meta``, ``groups``) are ignored as RFC 7644 §3.5.1
    allows; ``password`` is accepted (Okta always sends one) and dropped, never stored.
    """
    data = json_object(body, "The request body")
    schemas = caseless.get(data, "schemas")
    if schemas is not None and not names_schema(schemas, USER_SCHEMA):
        raise invalid_value(f"schemas must include {USER_SCHEMA}")
    limits.check_values(data, USER, VALUE_BOUNDS)
    enterprise = caseless.get(data, ENTERPRISE_USER_SCHEMA) or {}
    objects = {
        (None, None): data,
        (None, "name"): json_object(caseless.get(data, "name") or {}, "name"),
        (ENTERPRISE_USER_SCHEMA, None): json_object(enterprise, ENTERPRISE_USER_SCHEMA),
    }
    active = caseless.get(data, "active")
    # The attribute table's fields are UserProfile's (user_attributes.py).
    columns: dict[str, Any] = {column.field: _column_value(objects, column) for column in COLUMNS}
    lists: dict[str, Any] = {
        attribute.field: _value_list(data, attribute) for attribute in JSON_LISTS
    }
    profile = UserProfile(
        **columns,
        **lists,
        emails=_emails(data),
        active=None if active is None else boolean(active, "active"),
    )
    if not profile.emails and profile.login_email():
        _check_address(profile.user_name, "userName, the login email when no emails are sent,")
    return profile


def _manager(manager_id: str | None, location: str) -> JsonObject | None:
    """The manager reference: its id and, derived from it, the URI of that User resource
    (RFC 7643 §4.3 "$ref", RECOMMENDED), beside this user's own ``location``."""
    if not manager_id:
        return None
    users_endpoint = location.rstrip("/").rsplit("/", 1)[0]
    return {"value": manager_id, "$ref": f"{users_endpoint}/{manager_id}"}


def _present(mapping: Mapping[str, Any]) -> JsonObject:
    return {key: value for key, value in mapping.items() if value not in ("", None, [], {})}


@cache
def _layout() -> tuple[tuple[str, str | None, str | None, str], ...]:
    """Where each column's value goes: ``(field, extension, parent, name)``, read once from
    the attribute table, not for each user of a page."""
    return tuple((c.field, c.extension, c.parent, c.names[-1]) for c in COLUMNS)


def _columns(scim_user: ReadUser, location: str) -> tuple[JsonObject, JsonObject]:
    """The core and enterprise attributes of the stored columns: ``(core, enterprise)``,
    unassigned ones left out (RFC 7643 §2.5)."""
    objects: dict[str | None, JsonObject] = {None: {}, ENTERPRISE_USER_SCHEMA: {}}
    for field, extension, parent, name in _layout():
        value = getattr(scim_user, field)
        if field == "manager_id":
            # The whole reference, not only its value.
            value, parent, name = _manager(value, location), None, "manager"
        if value is None or value == "":
            continue
        target = objects[extension]
        if parent:
            target = target.setdefault(parent, {})
        target[name] = value
    return objects[None], objects[ENTERPRISE_USER_SCHEMA]


def _ordered(value: Mapping[str, Any], attribute: MultiValuedColumn) -> JsonObject:
    """A stored value with its sub-attributes in the schema's order."""
    return {key: value[key] for key in attribute.stored_keys if key in value}


def represent(scim_user: ReadUser, location: str, groups: Iterable[JsonObject] = ()) -> JsonObject:
    """The full SCIM representation of a user: a row read through
    :func:`cosmo_scim.scim.user_adapter.user_rows`, or a ScimUser the lifecycle service
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
