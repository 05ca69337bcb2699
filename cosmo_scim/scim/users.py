"""The SCIM User resource: JSON ⇄ :class:`cosmo_scim.lifecycle.UserProfile`.

This module only translates. Reading a body checks types and sizes (every problem is a 400
``invalidValue`` that changes nothing); writing builds the representation GET returns.
"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from ..lifecycle import Email, UserProfile
from ..protocol.errors import invalid_value
from ..protocol.filters.registry import BOOLEAN, DATETIME, AttributeRegistry, MultiValued, Scalar
from ..protocol.preconditions import etag
from ..protocol.urns import ENTERPRISE_USER_SCHEMA as ENTERPRISE_SCHEMA
from ..protocol.urns import USER_SCHEMA

MAX_LENGTH = 255
SHORT_LENGTH = 64


def _lower_keys(value, where):
    """Attribute names are case-insensitive (RFC 7643 §2.1)."""
    if not isinstance(value, dict):
        raise invalid_value(f"{where} must be a JSON object")
    return {str(key).lower(): item for key, item in value.items()}


def _string(container, key, label, *, max_length=MAX_LENGTH, required=False):
    value = container.get(key.lower())
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


def parse_boolean(value, label):
    """A JSON boolean, or Entra's default dialect's "True"/"False" strings."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise invalid_value(f"{label} must be a boolean")


def _emails(value):
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid_value("emails must be an array")
    emails = []
    for index, item in enumerate(value):
        entry = _lower_keys(item, f"emails[{index}]")
        address = _string(entry, "value", f"emails[{index}].value", max_length=254, required=True)
        try:
            validate_email(address)
        except ValidationError:
            raise invalid_value(f"emails[{index}].value is not an email address") from None
        primary = entry.get("primary", False)
        emails.append(
            Email(
                value=address,
                type=_string(entry, "type", f"emails[{index}].type", max_length=32),
                primary=parse_boolean(primary, f"emails[{index}].primary"),
                display=_string(entry, "display", f"emails[{index}].display"),
            )
        )
    if sum(email.primary for email in emails) > 1:
        raise invalid_value("At most one email may be primary (RFC 7643 §2.4)")
    return emails


def _manager_id(enterprise):
    """``manager`` is a complex attribute with ``value``; Entra also sends a bare id."""
    manager = enterprise.get("manager")
    if manager is None or manager == "":
        return ""
    if isinstance(manager, str):
        return manager.strip()[:MAX_LENGTH]
    entry = _lower_keys(manager, "manager")
    manager_id = _string(entry, "value", "manager.value")
    if not manager_id:
        # Only "$ref" given: the id is its last path segment (as the PATCH engine reads it).
        manager_id = _string(entry, "$ref", "manager.$ref").rstrip("/").rsplit("/", 1)[-1]
    return manager_id


def parse_user(body):
    """Read a full User representation (POST, PUT, or a patched resource).

    Read-only attributes (``id``, ``meta``, ``groups``) are ignored as RFC 7644 §3.5.1
    allows; ``password`` is accepted (Okta always sends one) and dropped, never stored.
    """
    data = _lower_keys(body, "The request body")
    schemas = data.get("schemas")
    if schemas is not None and (
        not isinstance(schemas, list)
        or USER_SCHEMA.lower() not in [str(s).lower() for s in schemas]
    ):
        raise invalid_value(f"schemas must include {USER_SCHEMA}")
    name = _lower_keys(data.get("name") or {}, "name")
    enterprise = _lower_keys(data.get(ENTERPRISE_SCHEMA.lower()) or {}, ENTERPRISE_SCHEMA)
    external_id = data.get("externalid")
    if external_id is not None and not isinstance(external_id, str):
        raise invalid_value("externalId must be a string")
    active = data.get("active")
    return UserProfile(
        user_name=_string(data, "userName", "userName", required=True),
        external_id=(external_id.strip()[:MAX_LENGTH] or None) if external_id else None,
        given_name=_string(name, "givenName", "name.givenName"),
        family_name=_string(name, "familyName", "name.familyName"),
        formatted_name=_string(name, "formatted", "name.formatted"),
        display_name=_string(data, "displayName", "displayName"),
        title=_string(data, "title", "title"),
        locale=_string(data, "locale", "locale", max_length=SHORT_LENGTH),
        preferred_language=_string(
            data, "preferredLanguage", "preferredLanguage", max_length=SHORT_LENGTH
        ),
        employee_number=_string(enterprise, "employeeNumber", "employeeNumber"),
        department=_string(enterprise, "department", "department"),
        manager_id=_manager_id(enterprise),
        emails=_emails(data.get("emails")),
        active=None if active is None else parse_boolean(active, "active"),
    )


def _present(mapping):
    return {key: value for key, value in mapping.items() if value not in ("", None, [], {})}


def _manager(manager_id, location):
    """The manager reference: its id and, derived from it, the URI of that User resource
    (RFC 7643 §4.3 "$ref", RECOMMENDED), beside this user's own ``location``."""
    if not manager_id:
        return None
    users_endpoint = location.rstrip("/").rsplit("/", 1)[0]
    return {"value": manager_id, "$ref": f"{users_endpoint}/{manager_id}"}


def represent(scim_user, location, groups=()):
    """The full SCIM representation of a user: a row read through
    :func:`cosmo_scim.scim.user_adapter.user_queryset`, or a ScimUser the lifecycle service
    wrote (with ``email_rows`` and ``group_rows`` set, its membership loaded)."""
    enterprise = _present(
        {
            "employeeNumber": scim_user.employee_number,
            "department": scim_user.department,
            "manager": _manager(scim_user.manager_id, location),
        }
    )
    resource = {
        "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA] if enterprise else [USER_SCHEMA],
        "id": scim_user.scim_id,
        **_present(
            {
                "externalId": scim_user.external_id,
                "userName": scim_user.user_name,
                "name": _present(
                    {
                        "formatted": scim_user.formatted_name,
                        "familyName": scim_user.family_name,
                        "givenName": scim_user.given_name,
                    }
                ),
                "displayName": scim_user.display_name,
                "title": scim_user.title,
                "locale": scim_user.locale,
                "preferredLanguage": scim_user.preferred_language,
                "emails": [
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
                ],
            }
        ),
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
        resource[ENTERPRISE_SCHEMA] = enterprise
    return resource


# What ``filter`` and ``sortBy`` may name on /Users, and how each maps to the ORM.
# caseExact follows RFC 7643 §4.1 / §7: ids are exact, names and addresses are not.
USER_ATTRIBUTES = AttributeRegistry(
    {
        "id": Scalar("scim_id", case_exact=True),
        "externalId": Scalar("external_id", case_exact=True),
        "userName": Scalar("user_name"),
        "displayName": Scalar("display_name"),
        "name.givenName": Scalar("given_name"),
        "name.familyName": Scalar("family_name"),
        "name.formatted": Scalar("formatted_name"),
        "title": Scalar("title"),
        "locale": Scalar("locale"),
        "preferredLanguage": Scalar("preferred_language"),
        # The read annotation (user_rows.membership_active): a membership awaiting the
        # person's consent is active as far as the IdP is concerned.
        "active": Scalar("active", BOOLEAN),
        "meta.created": Scalar("created", DATETIME),
        "meta.lastModified": Scalar("last_modified", DATETIME),
        f"{ENTERPRISE_SCHEMA}:employeeNumber": Scalar("employee_number"),
        f"{ENTERPRISE_SCHEMA}:department": Scalar("department"),
        f"{ENTERPRISE_SCHEMA}:manager.value": Scalar("manager_id", case_exact=True),
        "emails": MultiValued(
            "cosmo_scim.ScimUserEmail",
            fk="scim_user",
            attributes={
                "value": Scalar("value"),
                "type": Scalar("type"),
                "primary": Scalar("primary", BOOLEAN),
                "display": Scalar("display"),
            },
        ),
    },
    core_schema=USER_SCHEMA,
)
