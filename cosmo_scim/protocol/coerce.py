"""Values checked and converted against their definitions (RFC 7643 §2.3 data types), with
the leniencies the identity providers need (docs/idp-dialects.md).

The PATCH engine coerces every value it writes here; the User translation
(:mod:`cosmo_scim.scim.users`) reads booleans and manager references by the same rules:

- booleans may come as strings: Entra's default dialect sends
  ``{"op": "Replace", "path": "active", "value": "False"}``;
- a reference given only as a ``$ref`` URI designates the resource its last path segment
  names (Entra sends ``manager`` as ``[{"$ref": null, "value": id}]``, others a ``$ref``).
"""

from typing import Any

from .documents import Definition, JsonObject
from .errors import invalid_path, invalid_value
from .schema.resolve import find_sub_attribute

_BOOLEAN_STRINGS = {"true": True, "false": False}


def as_boolean(value: object) -> bool | None:
    """A JSON boolean, or "true"/"false" as a string in any case (Entra's default dialect);
    None for anything else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _BOOLEAN_STRINGS.get(value.strip().lower())
    return None


def boolean(value: object, label: str) -> bool:
    """:func:`as_boolean`, or invalidValue naming ``label``."""
    result = as_boolean(value)
    if result is None:
        raise invalid_value(f"{label} must be a boolean, got {value!r}")
    return result


def reference_id(ref: str) -> str:
    """The id a ``$ref`` URI designates: its last path segment."""
    return ref.rstrip("/").rsplit("/", 1)[-1]


def json_object(value: object, where: str) -> JsonObject:
    """``value`` when it is a JSON object, else invalidValue naming it ``where``."""
    if not isinstance(value, dict):
        raise invalid_value(f"{where} must be a JSON object")
    return value


def coerce_value(defn: Definition, value: Any, label: str | None = None) -> Any:
    """Check/convert one single value against its definition; anything of the wrong type is
    invalidValue."""
    label = label or defn["name"]
    kind = defn["type"]
    if kind == "complex":
        return coerce_element(defn, value)
    if kind == "boolean":
        return boolean(value, label)
    if kind == "integer":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise invalid_value(f"{label} must be an integer, got {value!r}")
    if kind == "decimal":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        raise invalid_value(f"{label} must be a number, got {value!r}")
    if isinstance(value, str):
        return value
    raise invalid_value(f"{label} must be a string, got {value!r}")


def coerce_element(attr: Definition, value: Any) -> JsonObject:
    """One complex value: known sub-attributes only, names canonical.

    readOnly sub-attributes are dropped, as RFC 7644 §3.5.1 has the server ignore readOnly
    values a client sends: Okta sends ``members: [{value, display}]`` and ``display`` is the
    server's to compute. Null sub-attributes are unassigned (RFC 7643 §2.5), e.g. Entra's
    ``"$ref": null``.
    """
    if not isinstance(value, dict):
        raise invalid_value(f"{attr['name']} values must be objects, got {value!r}")
    element = {}
    for key, item in value.items():
        sub = find_sub_attribute(attr, str(key))
        if sub is None:
            raise invalid_path(f"{attr['name']} has no sub-attribute {key!r}")
        if sub["mutability"] == "readOnly" or item is None:
            continue
        element[sub["name"]] = coerce_value(sub, item, f"{attr['name']}.{sub['name']}")
    return element


def coerce_attribute(attr: Definition, value: Any) -> Any:
    """A whole attribute value: a list for multi-valued ones (a lone object is accepted as a
    one-element list), a dict for complex, a scalar otherwise."""
    if not attr["multiValued"]:
        return coerce_value(attr, value)
    items = value if isinstance(value, list) else [value]
    elements = []
    for item in items:
        if item is None:
            continue
        element = coerce_value(attr, item)
        if attr["type"] == "complex":
            value_sub = find_sub_attribute(attr, "value")
            if value_sub and value_sub["mutability"] == "immutable" and "value" not in element:
                # members: an element without the member id designates nobody.
                raise invalid_value(f"Each {attr['name']} value needs a 'value'")
            if not element:
                continue
        elements.append(element)
    return elements


def coerce_manager(attr: Definition, value: Any) -> JsonObject | None:
    """``"id"`` / ``{"value": "id"}`` / ``[{"$ref": null, "value": "id"}]`` → ``{"value": id}``.

    A ``$ref`` alone gives its last path segment as the id. An empty manager (no id) means
    no manager and returns None.
    """
    if isinstance(value, list):
        if len(value) > 1:
            raise invalid_value("manager takes a single value")
        value = value[0] if value else None
    if value is None:
        return None
    if isinstance(value, str):
        value = {"value": value}
    manager = coerce_element(attr, value)
    if not manager.get("value") and manager.get("$ref"):
        manager["value"] = reference_id(manager["$ref"])
    if not manager.get("value"):
        return None
    return manager
