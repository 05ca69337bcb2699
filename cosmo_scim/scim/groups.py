"""The SCIM Group resource: JSON ⇄
:class:`cosmo_scim.provisioning.group_lifecycle.GroupProfile` plus member ids.

Only translates: reading checks types and sizes (a problem is a 400 ``invalidValue`` that
changes nothing), writing builds what GET returns from rows the caller loaded in bulk.
"""

import re
from dataclasses import dataclass
from typing import Any, TypeAlias

from ..models import ScimGroup, ScimUser
from ..protocol import caseless, limits
from ..protocol.coerce import json_object
from ..protocol.documents import JsonObject
from ..protocol.errors import invalid_value
from ..protocol.filters.registry import DATETIME, AttributeRegistry, MultiValued, Scalar
from ..protocol.preconditions import etag
from ..protocol.projection import project
from ..protocol.schema.resolve import GROUP
from ..protocol.urns import GROUP_SCHEMA, names_schema
from ..provisioning.group_lifecycle import GroupProfile, MemberChanges

# A SCIM user as a representation reads it: a ScimUser, or a row of
# user_adapter.user_rows (a UserRow, whose attributes are the values read).
ReadUser: TypeAlias = Any


@dataclass(frozen=True)
class GroupBody:
    """A parsed Group representation: its profile and its members' SCIM User ids."""

    profile: GroupProfile
    member_ids: frozenset[str]


def _member_ids(value: object) -> frozenset[str]:
    """``members[].value``: the SCIM User ids. Nested groups are not supported, so a member
    typed ``Group`` is refused rather than silently dropped; ``display`` and ``$ref`` are
    the server's to compute and are ignored (Okta sends ``display``)."""
    if value is None:
        return frozenset()
    if not isinstance(value, list):
        raise invalid_value("members must be an array")
    ids = set()
    for index, item in enumerate(value):
        member_id = caseless.get(json_object(item, f"members[{index}]"), "value")
        if not isinstance(member_id, str) or not member_id.strip():
            raise invalid_value(f"members[{index}].value must be a User id")
        member_type = caseless.get(item, "type")
        if member_type is not None and str(member_type).lower() != "user":
            raise invalid_value(f"members[{index}]: only Users can be members of a group")
        ids.add(member_id.strip())
    return frozenset(ids)


def _bounded(value: str, label: str, column: str) -> str:
    """``value``, or invalidValue when the ScimGroup ``column`` cannot hold it."""
    field: Any = ScimGroup._meta.get_field(column)  # a CharField: its max_length is set
    max_length: int = field.max_length
    if len(value) > max_length:
        raise invalid_value(f"{label} is longer than {max_length} characters")
    return value


def parse_group(body: object) -> "GroupBody":
    """Read a full Group representation (POST, PUT, or a patched resource).

    ``id`` and ``meta`` are readOnly and ignored (RFC 7644 §3.5.1).
    """
    body = json_object(body, "The request body")
    schemas = caseless.get(body, "schemas")
    if schemas is not None and not names_schema(schemas, GROUP_SCHEMA):
        raise invalid_value(f"schemas must include {GROUP_SCHEMA}")
    limits.check_values(body, GROUP)
    display_name = caseless.get(body, "displayName")
    if not isinstance(display_name, str) or not display_name.strip():
        raise invalid_value("displayName is required and must be a non-empty string")
    display_name = _bounded(display_name.strip(), "displayName", "display_name")
    external_id = caseless.get(body, "externalId")
    if external_id is not None and not isinstance(external_id, str):
        raise invalid_value("externalId must be a string")
    external_id = _bounded(external_id.strip() if external_id else "", "externalId", "external_id")
    return GroupBody(
        profile=GroupProfile(display_name=display_name, external_id=external_id or None),
        member_ids=_member_ids(caseless.get(body, "members")),
    )


_MEMBER_BY_VALUE = re.compile(r'\s*members\s*\[\s*value\s+eq\s+"([^"\\]+)"\s*\]\s*', re.I)


def member_changes(operations: object) -> MemberChanges | None:
    """The PATCH ``operations`` as :class:`MemberChanges` when they only add and remove
    members by id — Okta's ``add`` of a value list and ``remove`` of
    ``members[value eq "id"]``, Entra's ``Add``/``Remove`` of a value list — so the write
    reads none of the group's other members; otherwise None (the PATCH engine applies them
    to the whole group). Values are checked as a full representation's members are."""
    if not isinstance(operations, list):
        return None
    add: set[str] = set()
    remove: set[str] = set()
    for operation in operations:
        if not isinstance(operation, dict):
            return None
        op = caseless.get(operation, "op")
        path = caseless.get(operation, "path")
        value = caseless.get(operation, "value")
        if not isinstance(op, str) or not isinstance(path, str):
            return None
        op = op.lower()
        if op == "add" and path.strip().lower() == "members" and isinstance(value, list):
            add |= _member_ids(value)
        elif op == "remove" and path.strip().lower() == "members" and isinstance(value, list):
            remove |= _member_ids(value)
        elif op == "remove" and value is None and (match := _MEMBER_BY_VALUE.fullmatch(path)):
            remove.add(match[1].strip())
        else:
            return None
    if add & remove:
        return None
    return MemberChanges(add=frozenset(add), remove=frozenset(remove))


def wants_member_display(attributes: object) -> bool:
    """Whether the ``attributes`` parameter asks for ``members.display``.

    ``display`` is ``returned: "request"`` (RFC 7643 §7): a member is read back as it was
    written (``value``, ``$ref``, ``type``), which is what clients such as scim2-tester
    compare after a PATCH, and a client that wants names asks for them.
    """
    if isinstance(attributes, str):
        attributes = attributes.split(",")
    if not isinstance(attributes, list):
        return False
    wanted = {str(item).strip().lower() for item in attributes}
    return bool(wanted & {"members.display", f"{GROUP_SCHEMA}:members.display".lower()})


def wants_members(attributes: object, excluded: object) -> bool:
    """Whether the projection (``attributes`` / ``excludedAttributes``) keeps ``members``;
    when it does not, they are not read at all. Entra asks every group lookup with
    ``excludedAttributes=members``, and a group can have thousands. Decided by the
    projection itself, on a one-member probe, so the two cannot disagree."""
    probe = {
        "schemas": [GROUP_SCHEMA],
        "id": "",
        "members": [{"value": "", "$ref": "", "type": "User", "display": ""}],
    }
    return "members" in project(probe, attributes, excluded, GROUP_SCHEMA)


def _member(scim_user: ScimUser, users_url: str, with_display: bool) -> JsonObject:
    member = {
        "value": scim_user.scim_id,
        "$ref": f"{users_url}/{scim_user.scim_id}",
        "type": "User",
    }
    if with_display:
        member["display"] = scim_user.display_name or scim_user.user_name
    return member


def represent(
    group: ScimGroup,
    location: str,
    users_url: str,
    member_display: bool = False,
    with_members: bool = True,
) -> JsonObject:
    """The full SCIM representation of a group whose ``member_links`` are prefetched with
    their ``scim_user`` (one query for a whole page of groups, whatever their size).
    ``users_url`` is the /Users endpoint's absolute URL, for the members' ``$ref``;
    ``member_display`` adds the members' ``display`` (see :func:`wants_member_display`);
    without ``with_members`` there is no ``members`` (see :func:`wants_members`)."""
    resource: JsonObject = {
        "schemas": [GROUP_SCHEMA],
        "id": group.scim_id,
        "displayName": group.display_name,
        "meta": {
            "resourceType": "Group",
            "created": group.created.isoformat(),
            "lastModified": group.last_modified.isoformat(),
            "location": location,
            "version": etag(group),
        },
    }
    if with_members:
        resource["members"] = [
            _member(link.scim_user, users_url, member_display) for link in group.member_links.all()
        ]
    if group.external_id:
        resource["externalId"] = group.external_id
    return resource


def user_groups(scim_user: ReadUser, groups_url: str) -> list[JsonObject]:
    """A User's read-only ``groups`` (RFC 7643 §4.1.2), from its aggregated ``group_rows``."""
    return [
        {
            "value": group["value"],
            "$ref": f"{groups_url}/{group['value']}",
            "display": group["display"],
            "type": "direct",
        }
        for group in scim_user.group_rows
    ]


# What ``filter`` and ``sortBy`` may name on /Groups. ``members.value`` is a User id,
# caseExact like every id (RFC 7643 §3.1).
GROUP_ATTRIBUTES = AttributeRegistry(
    {
        "id": Scalar("scim_id", case_exact=True),
        "externalId": Scalar("external_id", case_exact=True),
        "displayName": Scalar("display_name"),
        "meta.created": Scalar("created", DATETIME),
        "meta.lastModified": Scalar("last_modified", DATETIME),
        "members": MultiValued(
            "cosmo_scim.ScimGroupMember",
            fk="group",
            # Found by the users' unique scim_id, then their links.
            attributes={"value": Scalar("scim_user__scim_id", case_exact=True, indexed=True)},
        ),
    },
    core_schema=GROUP_SCHEMA,
)
