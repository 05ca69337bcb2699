"""``attributes`` / ``excludedAttributes`` (RFC 7644 §3.4.2.5, §3.9).

Applied to the full representation after it is built: the resource is small, and one code
path for every read keeps GET, list and ``.search`` consistent.
"""

from .errors import invalid_value

# Returned whatever the client asks (RFC 7643 §3.1: id is "returned: always"; schemas
# identifies the resource and every response carries it).
ALWAYS = ("schemas", "id")


def _split(raw):
    if raw is None:
        return []
    if isinstance(raw, list):
        items = raw
    elif isinstance(raw, str):
        items = raw.split(",")
    else:
        raise invalid_value("attributes and excludedAttributes must be strings or lists")
    return [str(item).strip() for item in items if str(item).strip()]


def _parse_path(text, core_urn, extension_urns):
    """``(container, name, sub)``: container None for core, else the extension URN key."""
    lowered = text.lower()
    for urn in (core_urn, *extension_urns):
        if lowered == urn.lower():
            return urn, None, None
        if lowered.startswith(urn.lower() + ":"):
            rest = text[len(urn) + 1 :]
            container = None if urn == core_urn else urn
            break
    else:
        rest, container = text, None
    name, _, sub = rest.partition(".")
    return container, name, sub or None


def _find_key(mapping, name):
    lowered = name.lower()
    return next((key for key in mapping if key.lower() == lowered), None)


def project(resource, attributes, excluded, core_urn, extension_urns=()):
    """A copy of ``resource`` restricted to ``attributes`` or without ``excluded``."""
    wanted = _split(attributes)
    unwanted = _split(excluded)
    if wanted:
        return _include(resource, wanted, core_urn, extension_urns)
    if unwanted:
        return _exclude(resource, unwanted, core_urn, extension_urns)
    return resource


def _include(resource, paths, core_urn, extension_urns):
    result = {key: resource[key] for key in ALWAYS if key in resource}
    for text in paths:
        container, name, sub = _parse_path(text, core_urn, extension_urns)
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
            continue
        key = _find_key(source, name)
        if key is None:
            continue
        value = source[key]
        if sub is None:
            target[key] = value
        elif isinstance(value, dict):
            sub_key = _find_key(value, sub)
            if sub_key is not None:
                target.setdefault(key, {})[sub_key] = value[sub_key]
        elif isinstance(value, list):
            merged = target.setdefault(key, [{} for _ in value])
            for item, out in zip(value, merged, strict=False):
                sub_key = _find_key(item, sub) if isinstance(item, dict) else None
                if sub_key is not None:
                    out[sub_key] = item[sub_key]
    for container in extension_urns:
        if result.get(container) == {}:
            del result[container]
    return result


def _exclude(resource, paths, core_urn, extension_urns):
    result = {
        key: (dict(value) if isinstance(value, dict) else value) for key, value in resource.items()
    }
    for text in paths:
        container, name, sub = _parse_path(text, core_urn, extension_urns)
        target = result if container is None else result.get(container)
        if container is not None and name is None:
            result.pop(container, None)
            continue
        if not isinstance(target, dict) or name is None:
            continue
        key = _find_key(target, name)
        if key is None or (container is None and key in ALWAYS):
            continue
        if sub is None:
            del target[key]
        elif isinstance(target[key], dict):
            target[key] = {k: v for k, v in target[key].items() if k.lower() != sub.lower()}
        elif isinstance(target[key], list):
            target[key] = [
                {k: v for k, v in item.items() if k.lower() != sub.lower()}
                if isinstance(item, dict)
                else item
                for item in target[key]
            ]
    return result
