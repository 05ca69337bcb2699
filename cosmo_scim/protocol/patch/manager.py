"""The enterprise ``manager`` under PATCH (RFC 7643 §4.3): a reference to one User, set or
removed as a whole, never merged like other complex attributes."""

from .. import caseless
from ..coerce import coerce_manager
from ..documents import JsonObject
from ..schema.resolve import AttributeRef
from ..urns import ENTERPRISE_USER_SCHEMA


def is_manager(ref: AttributeRef) -> bool:
    return ref.extension == ENTERPRISE_USER_SCHEMA and ref.attr["name"] == "manager"


def apply_manager(op: str, ref: AttributeRef, container: JsonObject | None, value: object) -> None:
    """Set or remove the manager in ``container``, the enterprise extension's object (None
    only for a removal from a resource without the extension).

    Entra sends it as a bare id string or ``[{"$ref": null, "value": id}]``, others as
    ``{"value": id}``; all normalise to ``{"value": id}`` (plus a given non-null ``$ref``).
    ``$ref``/``displayName`` describe the *referenced* user, so a new value replaces the
    whole object instead of merging (merging would keep the previous manager's ``$ref``),
    and removing ``manager.value`` removes the manager.
    """
    if op == "remove" or value is None:
        if container is not None:  # no enterprise extension: no manager to remove
            caseless.drop(container, ref.attr["name"])
        return
    assert container is not None  # created for add and replace
    if ref.sub is not None:
        if ref.sub["name"] == "value":
            value = {"value": value}
        else:
            current = caseless.get(container, ref.attr["name"]) or {}
            value = {**current, ref.sub["name"]: value}
    manager = coerce_manager(ref.attr, value)
    if manager is None:
        caseless.drop(container, ref.attr["name"])
    else:
        caseless.put(container, ref.attr["name"], manager)
