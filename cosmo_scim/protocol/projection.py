"""``attributes`` / ``excludedAttributes`` (RFC 7644 §3.4.2.5, §3.9).

Every path is checked first, once per request and before anything is read
(:func:`check_paths`): one that does not parse, or names no attribute of the resource type,
is ``400 invalidPath`` (RFC 7644 §3.12: "the path attribute was invalid or malformed"), as
the same path would be in a PATCH — ``attributes=emails[type eq "work"]`` is a value filter,
which these parameters do not take (RFC 7644 §3.4.2.5 lists attribute names). The checked
paths are then applied to the full representation after it is built: the resource is small,
and one code path for every read keeps GET, list and ``.search`` consistent. A defined
attribute the resource happens not to have is simply absent (RFC 7644 §3.9).
"""

from collections.abc import Iterable, Sequence

from . import caseless
from .documents import JsonObject
from .errors import ScimError, invalid_value
from .paths import parse_attr_path
from .schema.resolve import ResourceSchema

# Returned whatever the client asks (RFC 7643 §3.1: id is "returned: always"; schemas
# identifies the resource and every response carries it).
ALWAYS = ("schemas", "id")


def _split(raw: object) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, list):
        items = raw
    elif isinstance(raw, str):
        items = raw.split(",")
    else:
        raise invalid_value("attributes and excludedAttributes must be strings or lists")
    return [str(item).strip() for item in items if str(item).strip()]


def check_paths(attributes: object, excluded: object, schema: ResourceSchema) -> None:
    """Refuse ``attributes`` / ``excludedAttributes`` naming anything but attributes of
    ``schema`` (a :class:`~.schema.resolve.ResourceSchema`), its extension URNs or
    ``schemas``: ``400 invalidPath``, whatever the resources read would have been."""
    check_paths_across(attributes, excluded, [schema])


def check_paths_across(
    attributes: object, excluded: object, schemas: Iterable[ResourceSchema]
) -> None:
    """:func:`check_paths` for a response holding resources of several types (a query at
    the root): a path is refused only when it names an attribute of none of ``schemas``
    (``attributes=userName`` is for the Users among them)."""
    for text in _split(attributes) + _split(excluded):
        refusals = []
        for schema in schemas:
            if text.lower() == "schemas" or schema.schema_named(text) in schema.extensions:
                break
            try:
                schema.resolve(text)
                break
            except ScimError as refusal:
                refusals.append(refusal)
        else:
            raise refusals[0]


def _locate(
    text: str, core_urn: str, extension_urns: Sequence[str]
) -> tuple[str | None, str | None, str | None] | None:
    """``(container, name, sub)`` of a requested path, or None when it names nothing.

    ``container`` is None for a core attribute, else the extension URN (the key of the
    extension object); ``name`` is None for a whole extension.
    """
    for urn in extension_urns:
        if text.lower() == urn.lower():
            return urn, None, None
    path = parse_attr_path(text)
    if path is None:
        return None
    container = None
    if path.uri is not None and path.uri.lower() != core_urn.lower():
        container = next((urn for urn in extension_urns if urn.lower() == path.uri.lower()), None)
        if container is None:
            return None
    return container, path.name, path.sub


def project(
    resource: JsonObject,
    attributes: object,
    excluded: object,
    core_urn: str,
    extension_urns: Sequence[str] = (),
) -> JsonObject:
    """A copy of ``resource`` restricted to ``attributes`` or without ``excluded``."""
    wanted = _split(attributes)
    unwanted = _split(excluded)
    if wanted:
        return _include(resource, wanted, core_urn, extension_urns)
    if unwanted:
        return _exclude(resource, unwanted, core_urn, extension_urns)
    return resource


def _include(
    resource: JsonObject, paths: list[str], core_urn: str, extension_urns: Sequence[str]
) -> JsonObject:
    result = {key: resource[key] for key in ALWAYS if key in resource}
    for text in paths:
        located = _locate(text, core_urn, extension_urns)
        if located is None:
            continue
        container, name, sub = located
        source, target = resource, result
        if container is not None:
            if container not in resource:
                continue
            if name is None:
                result[container] = resource[container]
                continue
            source = resource[container]
            target = result.setdefault(container, {})
        elif name is None:
            continue  # only an extension's URN names no attribute
        key = caseless.find_key(source, name)
        if key is None:
            continue
        value = source[key]
        if sub is None:
            target[key] = value
        elif isinstance(value, dict):
            sub_key = caseless.find_key(value, sub)
            if sub_key is not None:
                target.setdefault(key, {})[sub_key] = value[sub_key]
        elif isinstance(value, list):
            merged = target.setdefault(key, [{} for _ in value])
            for item, out in zip(value, merged, strict=False):
                sub_key = caseless.find_key(item, sub) if isinstance(item, dict) else None
                if sub_key is not None:
                    out[sub_key] = item[sub_key]
    for container in extension_urns:
        if result.get(container) == {}:
            del result[container]
    return result


def _without(mapping: JsonObject, name: str) -> JsonObject:
    """A copy of ``mapping`` without member ``name`` (any case)."""
    return {k: v for k, v in mapping.items() if k.lower() != name.lower()}


def _exclude(
    resource: JsonObject, paths: list[str], core_urn: str, extension_urns: Sequence[str]
) -> JsonObject:
    result = {
        key: (dict(value) if isinstance(value, dict) else value) for key, value in resource.items()
    }
    for text in paths:
        located = _locate(text, core_urn, extension_urns)
        if located is None:
            continue
        container, name, sub = located
        if name is None:
            if container is not None:  # only an extension's URN names no attribute
                result.pop(container, None)
            continue
        target = result if container is None else result.get(container)
        if not isinstance(target, dict):
            continue
        key = caseless.find_key(target, name)
        if key is None or (container is None and key in ALWAYS):
            continue
        if sub is None:
            del target[key]
        elif isinstance(target[key], dict):
            target[key] = _without(target[key], sub)
        elif isinstance(target[key], list):
            target[key] = [
                _without(item, sub) if isinstance(item, dict) else item for item in target[key]
            ]
    return result
