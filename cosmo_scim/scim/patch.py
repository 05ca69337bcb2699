"""The SCIM PATCH engine (RFC 7644 §3.5.2), pure Python, no database.

:func:`apply_patch` takes the resource's current full SCIM representation (what GET returns:
core attributes at the top level, extension attributes in an object under the extension URN),
applies every operation to a deep copy and returns the copy. The caller validates and saves the
result exactly like a PUT, so a PATCH is atomic by construction: any problem raises a
:class:`~cosmo_scim.scim.errors.ScimError` and nothing half-applied ever leaves this module.

Besides RFC 7644 it accepts every dialect listed in ``shared/IDP_BEHAVIOUR.md``:

- Entra (default dialect) capitalises ``op`` ("Replace") and sends booleans as strings
  ("False"); it removes group members with ``path: "members"`` plus a value list; it sends
  ``manager`` as a bare id or ``[{"$ref": null, "value": id}]``; it replaces
  ``emails[type eq "work"].value`` even when the user has no work email yet.
- Entra with ``aadOptscim062020`` sends path-less replaces with dotted keys
  (``{"name.givenName": "A"}``) and removes members with ``members[value eq "id"]``.
- Okta deactivates with ``{"op": "replace", "value": {"active": false}}`` and renames a group
  with ``{"op": "replace", "value": {"id": "<same id>", "displayName": "New"}}``.

Attribute characteristics (type, multiValued, mutability, caseExact, required) come from
:mod:`cosmo_scim.scim.schemas`, the same definitions ``/Schemas`` publishes.
"""

import copy
import json
import re
from dataclasses import dataclass

from .errors import (
    ScimError,
    invalid_filter,
    invalid_path,
    invalid_syntax,
    invalid_value,
    mutability,
    no_target,
)
from .schemas import (
    ENTERPRISE_USER_SCHEMA,
    PATCH_OP_SCHEMA,
    USER,
    AttributeRef,
    ResourceSchema,
    find_sub_attribute,
    resource_schema,
)

OPS = ("add", "replace", "remove")


@dataclass(frozen=True)
class PatchOperation:
    """One validated operation: ``op`` lower-cased, ``path`` None when absent or empty."""

    op: str
    path: str | None
    value: object = None


def apply_patch(resource, patch, schema=USER):
    """Apply a PATCH request to ``resource`` and return the patched copy.

    :param resource: the current full SCIM representation (dict); never modified.
    :param patch: the request body (``{"schemas": [PatchOp], "Operations": [...]}``) or just
        the list of operations.
    :param schema: a :class:`~cosmo_scim.scim.schemas.ResourceSchema` (``schemas.USER``,
        ``schemas.GROUP``) or a resource type name ("User", "Group").
    :returns: a new dict with the operations applied in order, attribute names canonical, and
        ``schemas`` listing exactly the extensions present.
    :raises ScimError: 400 with the RFC 7644 §3.12 ``scimType`` on the first failing operation;
        its detail names the operation's index.
    """
    rs = schema if isinstance(schema, ResourceSchema) else resource_schema(schema)
    operations = parse_operations(patch)
    result = copy.deepcopy(resource)
    patcher = _Patcher(result, rs)
    for index, operation in enumerate(operations):
        try:
            patcher.apply(operation.op, operation.path, operation.value)
        except ScimError as exc:
            where = f"Operations[{index}] ({operation.op}"
            where += f" {operation.path!r})" if operation.path else ")"
            raise ScimError(exc.status, f"{where}: {exc.detail}", exc.scim_type) from exc
    patcher.finish()
    return result


def parse_operations(patch):
    """Validate the PatchOp body (or bare operation list) into :class:`PatchOperation` items.

    RFC 7644 §3.5.2: the body carries the PatchOp schema and a non-empty ``Operations`` array
    of objects with ``op``, optional ``path`` and ``value``. Member names are matched
    case-insensitively (RFC 7643 §2.1) and ``op`` too, because Entra sends "Add"/"Replace"/
    "Remove". A missing ``schemas`` is tolerated (it carries no information here); a
    ``schemas`` without PatchOp is a different message and is refused.
    """
    if isinstance(patch, dict):
        body = {str(key).lower(): value for key, value in patch.items()}
        schemas = body.get("schemas")
        if schemas is not None and (
            not isinstance(schemas, list)
            or PATCH_OP_SCHEMA.lower() not in [str(s).lower() for s in schemas]
        ):
            raise invalid_syntax(f"A PATCH request must use the schema {PATCH_OP_SCHEMA}")
        operations = body.get("operations")
    else:
        operations = patch
    if not isinstance(operations, list) or not operations:
        raise invalid_syntax("'Operations' must be a non-empty array of operations")
    parsed = []
    for index, raw in enumerate(operations):
        if not isinstance(raw, dict):
            raise invalid_syntax(f"Operations[{index}] must be an object")
        fields = {str(key).lower(): value for key, value in raw.items()}
        op = fields.get("op")
        if not isinstance(op, str) or op.lower() not in OPS:
            raise invalid_syntax(
                f"Operations[{index}]: 'op' must be one of add, replace, remove, got {op!r}"
            )
        op = op.lower()
        path = fields.get("path")
        if path is not None and not isinstance(path, str):
            raise invalid_path(f"Operations[{index}]: 'path' must be a string")
        path = path.strip() if path else None
        if op != "remove" and "value" not in fields:
            # RFC 7644 §3.5.2.1/§3.5.2.3: add and replace MUST carry a value.
            raise invalid_syntax(f"Operations[{index}]: '{op}' requires a 'value'")
        parsed.append(PatchOperation(op, path or None, fields.get("value")))
    return parsed


# --- Paths ----------------------------------------------------------------------------------

_NAME = r"[A-Za-z$][\w$-]*"
_VALUE_PATH_RE = re.compile(rf"^({_NAME})\[(.*)\](?:\.({_NAME}))?$", re.DOTALL)


@dataclass(frozen=True)
class Target:
    """A parsed PATCH path.

    ``ref`` is the attribute (and sub-attribute) addressed; it is None when the path is a bare
    extension URN, whose schema is then ``extension``. ``filter`` is the value filter of a
    ``valuePath`` (``emails[type eq "work"].value``); then ``ref.attr`` is the multi-valued
    attribute and ``ref.sub`` the sub-attribute after the brackets, if any.
    """

    ref: AttributeRef | None
    extension: dict | None = None
    filter: "ValueFilter | None" = None


def parse_path(rs, path):
    """Parse a PATCH ``path`` (RFC 7644 §3.5.2 ABNF: attrPath / valuePath [subAttr]).

    Forms: ``title``, ``name.givenName``, ``urn:...:User:userName`` (core URN prefix),
    ``urn:...:enterprise:2.0:User:department``, the bare extension URN, and value paths
    ``emails[type eq "work"]``, ``emails[type eq "work"].value``, ``members[value eq "id"]``.
    """
    bracket = path.find("[")
    if bracket < 0:
        doc, rest = rs.split_urn(path)
        if doc is not None and rest == "":
            if doc is rs.core:
                raise invalid_path(f"Path {path!r} names a schema, not an attribute")
            return Target(None, extension=doc)
        return Target(rs.resolve(path))
    doc, rest = rs.split_urn(path[:bracket])
    doc = doc or rs.core
    match = _VALUE_PATH_RE.match(rest + path[bracket:])
    if not match:
        raise invalid_path(f"Invalid value path {path!r}")
    ref = rs.reference(doc, match.group(1), match.group(3), path)
    attr = ref.attr
    if not attr["multiValued"] or attr["type"] != "complex":
        raise invalid_path(f"A value filter needs a complex multi-valued attribute: {path!r}")
    return Target(ref, filter=parse_value_filter(match.group(2), attr))


# --- Value filters (RFC 7644 §3.4.2.2 grammar, evaluated on one element) --------------------

_TOKEN_RE = re.compile(
    r'\s*(?:(?P<lparen>\()|(?P<rparen>\))|(?P<string>"(?:[^"\\]|\\.)*")'
    r"|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w$]))|(?P<word>[A-Za-z$][\w$.:-]*))"
)
_COMPARE_OPS = ("eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le")
_LITERALS = {"true": True, "false": False, "null": None}


def _tokenize(text):
    tokens, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if not match or match.end() == pos:
            raise invalid_filter(f"Cannot parse the filter {text!r} at position {pos}")
        pos = match.end()
        kind = match.lastgroup
        raw = match.group(kind)
        if kind in ("string", "number"):
            tokens.append(("literal", json.loads(raw)))
        elif kind == "word" and raw.lower() in _LITERALS:
            tokens.append(("literal", _LITERALS[raw.lower()]))
        else:
            tokens.append((kind, raw))
    return tokens


class ValueFilter:
    """A parsed value filter, evaluated against the elements of one multi-valued attribute.

    Attribute names inside the brackets are sub-attributes of that attribute (RFC 7644
    §3.5.2 ``valFilter``); string comparison honours each sub-attribute's ``caseExact``
    (RFC 7644 §3.4.2.2). ``template`` is the element the filter describes when it is a plain
    conjunction of ``eq`` terms (``type eq "work"`` → ``{"type": "work"}``), else None.
    """

    def __init__(self, text, tree):
        self.text = text
        self.tree = tree
        self.template = _template(tree)

    def matches(self, element):
        return isinstance(element, dict) and _evaluate(self.tree, element)


def parse_value_filter(text, attr):
    """Parse the filter between the brackets of a value path; invalidFilter when malformed."""
    tokens = _tokenize(text)
    if not tokens:
        raise invalid_filter("Empty value filter")
    parser = _FilterParser(tokens, attr, text)
    tree = parser.expression()
    if parser.pos != len(tokens):
        raise invalid_filter(f"Unexpected {tokens[parser.pos][1]!r} in filter {text!r}")
    return ValueFilter(text, tree)


class _FilterParser:
    """Recursive descent: ``or`` binds looser than ``and``; ``not (…)`` and parentheses."""

    def __init__(self, tokens, attr, text):
        self.tokens, self.attr, self.text, self.pos = tokens, attr, text, 0

    def _peek_word(self):
        if self.pos < len(self.tokens) and self.tokens[self.pos][0] == "word":
            return self.tokens[self.pos][1].lower()
        return None

    def _take(self, kind):
        if self.pos >= len(self.tokens) or self.tokens[self.pos][0] != kind:
            raise invalid_filter(f"Malformed filter {self.text!r}")
        self.pos += 1
        return self.tokens[self.pos - 1][1]

    def expression(self):
        node = self.term()
        while self._peek_word() == "or":
            self.pos += 1
            node = ("or", node, self.term())
        return node

    def term(self):
        node = self.factor()
        while self._peek_word() == "and":
            self.pos += 1
            node = ("and", node, self.factor())
        return node

    def factor(self):
        if self._peek_word() == "not":
            self.pos += 1
            self._take("lparen")
            node = self.expression()
            self._take("rparen")
            return ("not", node)
        if self.pos < len(self.tokens) and self.tokens[self.pos][0] == "lparen":
            self.pos += 1
            node = self.expression()
            self._take("rparen")
            return node
        name = self._take("word")
        sub = find_sub_attribute(self.attr, name)
        if sub is None:
            raise invalid_filter(f"{self.attr['name']} has no sub-attribute {name!r}")
        operator = (self._peek_word() or "").lower()
        if operator == "pr":
            self.pos += 1
            return ("pr", sub)
        if operator not in _COMPARE_OPS:
            raise invalid_filter(f"Unknown comparison operator in filter {self.text!r}")
        self.pos += 1
        return ("cmp", sub, operator, self._take("literal"))


def _evaluate(node, element):
    kind = node[0]
    if kind == "and":
        return _evaluate(node[1], element) and _evaluate(node[2], element)
    if kind == "or":
        return _evaluate(node[1], element) or _evaluate(node[2], element)
    if kind == "not":
        return not _evaluate(node[1], element)
    actual = _get(element, node[1]["name"])
    if kind == "pr":
        return actual not in (None, "", [], {})
    return _compare(actual, node[2], node[3], node[1].get("caseExact", False))


def _compare(actual, operator, expected, case_exact):
    if actual is None or expected is None:
        same = actual is None and expected is None
        return same if operator == "eq" else (not same if operator == "ne" else False)
    if isinstance(actual, str) and isinstance(expected, str):
        if not case_exact:
            actual, expected = actual.casefold(), expected.casefold()
    elif isinstance(actual, bool) or isinstance(expected, bool):
        if not (isinstance(actual, bool) and isinstance(expected, bool)):
            return operator == "ne"
        if operator not in ("eq", "ne"):
            return False
    elif not (isinstance(actual, int | float) and isinstance(expected, int | float)):
        return operator == "ne"
    if operator == "eq":
        return actual == expected
    if operator == "ne":
        return actual != expected
    if operator in ("co", "sw", "ew"):
        if not isinstance(actual, str):
            return False
        if operator == "co":
            return expected in actual
        return actual.startswith(expected) if operator == "sw" else actual.endswith(expected)
    return {
        "gt": actual > expected,
        "ge": actual >= expected,
        "lt": actual < expected,
        "le": actual <= expected,
    }[operator]


def _template(node):
    if node[0] == "cmp" and node[2] == "eq" and node[3] is not None:
        return {node[1]["name"]: node[3]}
    if node[0] == "and":
        left, right = _template(node[1]), _template(node[2])
        if left is not None and right is not None and not set(left) & set(right):
            return {**left, **right}
    return None


# --- Case-insensitive member access (RFC 7643 §2.1: attribute names are case-insensitive) ---


def _key(container, name):
    for key in container:
        if isinstance(key, str) and key.lower() == name.lower():
            return key
    return None


def _get(container, name):
    key = _key(container, name)
    return None if key is None else container[key]


def _set(container, name, value):
    """Store ``value`` under the canonical ``name``, dropping any differently-cased key."""
    key = _key(container, name)
    if key is not None and key != name:
        del container[key]
    container[name] = value


def _delete(container, name):
    key = _key(container, name)
    if key is not None:
        del container[key]


def _is_unassigned(value):
    """RFC 7643 §2.5: null, empty array and empty object all mean 'unassigned'."""
    return value is None or value == [] or value == {}


# --- The engine -----------------------------------------------------------------------------


class _Patcher:
    def __init__(self, resource, rs):
        self.resource = resource
        self.rs = rs

    # Entry point for one operation.
    def apply(self, op, path, value):
        if path is None:
            self._apply_pathless(op, value)
            return
        target = parse_path(self.rs, path)
        if target.ref is None:
            self._apply_extension(op, target.extension, value)
        elif target.filter is not None:
            self._apply_filtered(op, target.ref, target.filter, value)
        else:
            self._apply_attribute(op, target.ref, value)

    def _apply_pathless(self, op, value):
        """No path: RFC 7644 §3.5.2.1/§3.5.2.3 — ``value`` is an object of attributes.

        Each key is treated as a path of its own, so plain (Okta ``{"active": false}``),
        dotted (Entra aadOptscim062020 ``{"name.givenName": "A"}``), URN-prefixed and value-path
        keys, and the extension object under its URN key, all work. ``schemas`` is structural
        (maintained by :meth:`finish`) and is skipped, so echoing a whole resource back works.
        """
        if op == "remove":
            # RFC 7644 §3.5.2.2: "If 'path' is unspecified, the operation fails with HTTP
            # status code 400 and a 'scimType' error code of 'noTarget'."
            raise no_target("'remove' requires a 'path'")
        if not isinstance(value, dict):
            raise invalid_syntax(f"'{op}' without a path needs an object 'value'")
        for key, item in value.items():
            if not isinstance(key, str) or not key.strip():
                raise invalid_path(f"Invalid attribute name {key!r}")
            if key.strip().lower() == "schemas":
                continue
            self.apply(op, key.strip(), item)

    def _apply_extension(self, op, doc, value):
        """The path is an extension URN: the value holds that extension's attributes."""
        urn = doc["id"]
        if op == "remove":
            for attr in doc["attributes"]:
                if attr["mutability"] == "readOnly":
                    raise mutability(f"{urn} holds readOnly attributes and cannot be removed")
            _delete(self.resource, urn)
            return
        if value is None:
            _delete(self.resource, urn)
            return
        if not isinstance(value, dict):
            raise invalid_value(f"The value for {urn} must be an object")
        for key, item in value.items():
            if not isinstance(key, str):
                raise invalid_path(f"Invalid attribute name {key!r}")
            if key.strip().lower() == "schemas":
                # A client serialising the extension as a model of its own echoes its URN
                # (scim2-models does). Structural, like a path-less value's ``schemas``
                # (maintained by :meth:`finish`), as long as it names this very extension.
                if not isinstance(item, list) or urn.lower() not in [str(u).lower() for u in item]:
                    raise invalid_value(f"'schemas' inside the {urn} object must name {urn}")
                continue
            self._apply_attribute(op, self.rs.resolve(f"{urn}:{key}"), item)

    def _container(self, ref, create):
        """The dict holding ``ref.attr``: the resource, or its extension object."""
        if ref.extension is None:
            return self.resource
        container = _get(self.resource, ref.extension)
        if container is None and create:
            container = {}
            _set(self.resource, ref.extension, container)
        if container is not None and not isinstance(container, dict):
            raise invalid_value(f"{ref.extension} must be an object")
        return container

    def _apply_attribute(self, op, ref, value):
        """A path without a value filter: ``title``, ``name.givenName``, ``members``…"""
        attr, sub = ref.attr, ref.sub
        container = self._container(ref, create=op != "remove")
        current = _get(container, attr["name"]) if container is not None else None
        if self._check_mutability(op, ref, current, value):
            return
        if _is_manager(ref):
            self._apply_manager(op, ref, container, value)
            return
        if op == "remove" or value is None:
            # replace/add with null: RFC 7643 §2.5, null is equivalent to "unassigned".
            self._remove_attribute(ref, container, current, value if op == "remove" else None)
            return
        if sub is None:
            new = _coerce_attribute(attr, value)
            if attr["multiValued"]:
                if op == "add":
                    # RFC 7644 §3.5.2.1: add to a multi-valued attribute adds the new values.
                    merged, written = _merge_elements(attr, current or [], new)
                else:
                    # RFC 7644 §3.5.2.3: replace without filter replaces all values.
                    merged, written = new, new
                _enforce_single_primary(attr, merged, written)
                self._store(container, attr, merged)
            elif attr["type"] == "complex":
                # RFC 7644 §3.5.2.1/§3.5.2.3: sub-attributes not given are left unchanged.
                merged = dict(current) if isinstance(current, dict) else {}
                for name, item in new.items():
                    _set(merged, name, item)
                self._store(container, attr, merged)
            else:
                _set(container, attr["name"], new)
            return
        item = _coerce_value(sub, value, f"{attr['name']}.{sub['name']}")
        if attr["multiValued"]:
            # ``emails.value`` without a filter addresses every element; with no element yet
            # there is nothing to address, so one is created to hold the value.
            elements = list(current or [])
            if not elements:
                elements = [{}]
            for element in elements:
                _set(element, sub["name"], item)
            _enforce_single_primary(attr, elements, [])
            self._store(container, attr, elements)
        else:
            obj = dict(current) if isinstance(current, dict) else {}
            _set(obj, sub["name"], item)
            self._store(container, attr, obj)

    def _apply_manager(self, op, ref, container, value):
        """The enterprise ``manager``: a reference to one User, set or removed as a whole.

        Entra sends it as a bare id string or ``[{"$ref": null, "value": id}]``, others as
        ``{"value": id}``; all normalise to ``{"value": id}`` (plus a given non-null ``$ref``).
        ``$ref``/``displayName`` describe the *referenced* user, so a new value replaces the
        whole object instead of merging (merging would keep the previous manager's ``$ref``),
        and removing ``manager.value`` removes the manager.
        """
        if op == "remove" or value is None:
            if container is not None:  # no enterprise extension: no manager to remove
                _delete(container, ref.attr["name"])
            return
        if ref.sub is not None:
            if ref.sub["name"] == "value":
                value = {"value": value}
            else:
                current = _get(container, ref.attr["name"]) or {}
                value = {**current, ref.sub["name"]: value}
        manager = _normalise_manager(ref.attr, value)
        if manager is None:
            _delete(container, ref.attr["name"])
        else:
            _set(container, ref.attr["name"], manager)

    def _remove_attribute(self, ref, container, current, value):
        attr, sub = ref.attr, ref.sub
        if container is None or current is None:
            return
        if sub is None:
            if attr["required"]:
                raise invalid_value(f"{attr['name']} is required and cannot be removed")
            if attr["multiValued"] and value is not None and not _is_unassigned(value):
                # Entra default dialect removes group members by value list:
                # {"op": "Remove", "path": "members", "value": [{"value": id}]}.
                doomed = _ElementIndex(attr, _coerce_attribute(attr, value))
                remaining = [element for element in current if doomed.find(element) is None]
                self._store(container, attr, remaining)
                return
            # RFC 7644 §3.5.2.2: a multi-valued attribute without filter loses all its values.
            _delete(container, attr["name"])
            return
        if attr["multiValued"]:
            elements = [dict(element) for element in current if isinstance(element, dict)]
            for element in elements:
                _delete(element, sub["name"])
            self._store(container, attr, [element for element in elements if element])
        elif isinstance(current, dict):
            obj = dict(current)
            _delete(obj, sub["name"])
            self._store(container, attr, obj)

    def _apply_filtered(self, op, ref, value_filter, value):
        """A value path: ``emails[type eq "work"]``, ``emails[type eq "work"].value``…"""
        attr, sub = ref.attr, ref.sub
        if attr["mutability"] == "readOnly":
            raise mutability(f"{ref.canonical_path} is readOnly")
        container = self._container(ref, create=op != "remove")
        if container is None:
            return  # removing from an extension the resource does not have: nothing to do
        current = _get(container, attr["name"])
        elements = [copy.deepcopy(e) for e in (current or [])]
        matches = [element for element in elements if value_filter.matches(element)]
        if sub is not None:
            self._check_sub_mutability(op, ref, matches)
        elif op != "add":
            for element in matches:
                self._check_element_mutability(attr, element, value if op == "replace" else None)
        if op == "remove" or value is None:
            # RFC 7644 §3.5.2.2: the values matched by the filter are removed; none matching
            # is not an error (Okta may remove a member that is already gone).
            if sub is None:
                elements = [e for e in elements if not any(e is m for m in matches)]
            else:
                for element in matches:
                    _delete(element, sub["name"])
                elements = [e for e in elements if e]
            self._store(container, attr, elements)
            return
        if sub is not None:
            item = _coerce_value(sub, value, f"{attr['name']}.{sub['name']}")
            for element in matches:
                _set(element, sub["name"], item)
            if not matches:
                elements.append(self._new_element(value_filter, {sub["name"]: item}))
                matches = [elements[-1]]
        else:
            new = _coerce_element(attr, value)
            if not matches:
                elements.append(self._new_element(value_filter, new))
                matches = [elements[-1]]
            else:
                updated = []
                for index, element in enumerate(elements):
                    if not any(element is m for m in matches):
                        continue
                    if op == "replace":
                        # RFC 7644 §3.5.2.3: "all matching record values SHALL be replaced".
                        elements[index] = element = dict(new)
                    else:
                        for name, item in new.items():
                            _set(element, name, item)
                    updated.append(element)
                matches = updated
        written = [m for m in matches if _get(m, "primary") is True]
        _enforce_single_primary(attr, elements, written)
        self._store(container, attr, elements)

    @staticmethod
    def _new_element(value_filter, values):
        """Create the element a value path describes when no element matches.

        RFC 7644 §3.5.2.3 wants ``noTarget`` for a replace whose filter matches nothing, but
        Entra sends one replace per attribute by path (``emails[type eq "work"].value``) for
        emails the user may not have yet (shared/IDP_BEHAVIOUR.md, Entra default dialect):
        refusing would break every Entra user update. The element is built from the filter's
        ``eq`` terms plus the value; a filter that does not describe one element
        (``or``, ``ne``, ``co``…) cannot be turned into one and gives ``noTarget``.
        """
        if value_filter.template is None:
            raise no_target(f"No value matches the filter {value_filter.text!r}")
        element = dict(value_filter.template)
        for name, item in values.items():
            _set(element, name, item)
        return element

    def _check_mutability(self, op, ref, current, value):
        """Enforce RFC 7644 §3.5.2: no operation may modify a readOnly attribute, and an
        immutable one may only be given a value when it has none.

        Returns True when the operation is a no-op to skip: writing a readOnly attribute with
        the value it already has. Okta's group rename sends the group's own ``id`` next to
        the new ``displayName`` (shared/IDP_BEHAVIOUR.md); a different id is refused.
        """
        attr, sub = ref.attr, ref.sub
        if attr["mutability"] == "readOnly":
            if (
                op != "remove"
                and sub is None
                and value is not None
                and _equal(attr, current, value)
            ):
                return True
            raise mutability(f"{ref.canonical_path} is readOnly")
        if sub is not None:
            if sub["mutability"] == "readOnly":
                raise mutability(f"{ref.canonical_path} is readOnly")
            if sub["mutability"] == "immutable":
                elements = current if isinstance(current, list) else [current]
                self._check_sub_mutability(op, ref, [e for e in elements if e])
        if (
            attr["mutability"] == "immutable"
            and current is not None
            and (op == "remove" or not _equal(attr, current, value))
        ):
            raise mutability(f"{ref.canonical_path} is immutable")
        return False

    @staticmethod
    def _check_sub_mutability(op, ref, elements):
        """A sub-attribute targeted by path: readOnly never, immutable only while unset."""
        sub = ref.sub
        if sub["mutability"] == "readOnly":
            raise mutability(f"{ref.canonical_path} is readOnly")
        if sub["mutability"] == "immutable" and any(
            isinstance(e, dict) and _get(e, sub["name"]) is not None for e in elements
        ):
            # RFC 7644 §3.5.2: "a client MAY 'add' a value to an 'immutable' attribute if
            # the attribute had no previous value" — and no other change.
            raise mutability(f"{ref.canonical_path} is immutable")

    @staticmethod
    def _check_element_mutability(attr, element, new):
        """Replacing/removing a matched element must not change its immutable sub-attributes
        (``members[value eq "x"]`` replaced by ``{"value": "y"}`` would rewrite a member id).
        Removing the whole element is allowed (RFC 7644 §3.5.2.2 member removal)."""
        if new is None:
            return
        new = new if isinstance(new, dict) else {}
        for sub in attr.get("subAttributes", ()):
            if sub["mutability"] != "immutable":
                continue
            old_value, new_value = _get(element, sub["name"]), _get(new, sub["name"])
            if old_value is not None and new_value is not None and old_value != new_value:
                raise mutability(f"{attr['name']}.{sub['name']} is immutable")

    @staticmethod
    def _store(container, attr, value):
        if _is_unassigned(value):
            _delete(container, attr["name"])
        else:
            _set(container, attr["name"], value)

    def finish(self):
        """Drop empty extension objects and make ``schemas`` list exactly the extensions present
        (RFC 7643 §3: ``schemas`` names the schemas whose attributes the resource carries)."""
        schemas = self.resource.get("schemas")
        schemas = list(schemas) if isinstance(schemas, list) else [self.rs.core_urn]
        for urn in self.rs.extension_urns:
            container = _get(self.resource, urn)
            if _is_unassigned(container):
                _delete(self.resource, urn)
                schemas = [s for s in schemas if str(s).lower() != urn.lower()]
            elif urn.lower() not in [str(s).lower() for s in schemas]:
                schemas.append(urn)
            else:
                _set(self.resource, urn, self.resource.pop(_key(self.resource, urn)))
        self.resource["schemas"] = schemas


# --- Values ---------------------------------------------------------------------------------


def _is_manager(ref):
    return ref.extension == ENTERPRISE_USER_SCHEMA and ref.attr["name"] == "manager"


def _coerce_value(defn, value, label=None):
    """Check/convert one single value against its definition (RFC 7643 §2.3 data types).

    Booleans given as strings ("True", "false", any case) are converted: Entra's default
    dialect sends ``{"op": "Replace", "path": "active", "value": "False"}``. Anything else of
    the wrong type is invalidValue.
    """
    label = label or defn["name"]
    kind = defn["type"]
    if kind == "complex":
        return _coerce_element(defn, value)
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise invalid_value(f"{label} must be a boolean, got {value!r}")
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


def _coerce_element(attr, value):
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
        element[sub["name"]] = _coerce_value(sub, item, f"{attr['name']}.{sub['name']}")
    return element


def _coerce_attribute(attr, value):
    """A whole attribute value: a list for multi-valued ones (a lone object is accepted as a
    one-element list), a dict for complex, a scalar otherwise."""
    if not attr["multiValued"]:
        return _coerce_value(attr, value)
    items = value if isinstance(value, list) else [value]
    elements = []
    for item in items:
        if item is None:
            continue
        element = _coerce_value(attr, item)
        if attr["type"] == "complex":
            value_sub = find_sub_attribute(attr, "value")
            if value_sub and value_sub["mutability"] == "immutable" and "value" not in element:
                # members: an element without the member id designates nobody.
                raise invalid_value(f"Each {attr['name']} value needs a 'value'")
            if not element:
                continue
        elements.append(element)
    return elements


def _normalise_manager(attr, value):
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
    manager = _coerce_element(attr, value)
    if not manager.get("value") and manager.get("$ref"):
        manager["value"] = manager["$ref"].rstrip("/").rsplit("/", 1)[-1]
    if not manager.get("value"):
        return None
    return manager


def _scalar_equal(defn, left, right):
    if isinstance(left, str) and isinstance(right, str) and not defn.get("caseExact", False):
        return left.casefold() == right.casefold()
    return left == right


def _equal(defn, current, value):
    """Loose equality of a stored value and a sent one (case per caseExact)."""
    if defn["type"] == "complex" or defn["multiValued"]:
        return current == value
    return _scalar_equal(defn, current, value)


def _same_element(attr, left, right):
    """Whether two values of a multi-valued attribute designate the same value.

    Complex values with a ``value`` compare by ``value`` (per its caseExact) and by ``type``
    when both carry one: re-adding the same email, or a member already present (Okta pushes
    memberships again), must not create a duplicate.
    """
    if attr["type"] != "complex":
        return _scalar_equal(attr, left, right)
    if not isinstance(left, dict) or not isinstance(right, dict):
        return False
    value_sub = find_sub_attribute(attr, "value")
    if value_sub and _get(left, "value") is not None and _get(right, "value") is not None:
        if not _scalar_equal(value_sub, _get(left, "value"), _get(right, "value")):
            return False
        type_sub = find_sub_attribute(attr, "type")
        left_type, right_type = _get(left, "type"), _get(right, "type")
        if type_sub and left_type is not None and right_type is not None:
            return _scalar_equal(type_sub, left_type, right_type)
        return True
    return left == right


class _ElementIndex:
    """Elements of a multi-valued attribute looked up by :func:`_same_element`, indexed by
    their ``value`` so that adding or removing a thousand group members in one operation
    (Okta and Entra do) compares each only with the elements sharing its value, not with
    every element. Elements without a usable value are compared one by one."""

    def __init__(self, attr, elements):
        self.attr = attr
        value_sub = find_sub_attribute(attr, "value") if attr["type"] == "complex" else attr
        self.case_exact = bool(value_sub and value_sub.get("caseExact", False))
        self.keyed = {}
        self.rest = []
        for element in elements:
            self.add(element)

    def _key(self, element):
        value = element
        if self.attr["type"] == "complex":
            value = _get(element, "value") if isinstance(element, dict) else None
        if isinstance(value, str):
            return value if self.case_exact else value.casefold()
        return None

    def add(self, element):
        key = self._key(element)
        if key is None:
            self.rest.append(element)
        else:
            self.keyed.setdefault(key, []).append(element)

    def find(self, element):
        """The first indexed element that designates the same value as ``element``."""
        key = self._key(element)
        candidates = self.rest if key is None else self.keyed.get(key, ())
        return next((e for e in candidates if _same_element(self.attr, e, element)), None)


def _merge_elements(attr, current, new):
    """Add ``new`` values to ``current`` without duplicates; a value already present is
    updated with the sub-attributes sent (so re-adding an email with ``primary: true`` makes
    it primary). Returns the merged list and the elements written."""
    merged = [copy.deepcopy(e) for e in current]
    index = _ElementIndex(attr, merged)
    written = []
    for element in new:
        existing = index.find(element)
        if existing is None:
            merged.append(element)
            index.add(element)
            written.append(element)
        elif isinstance(existing, dict):
            for name, item in element.items():
                _set(existing, name, item)
            written.append(existing)
    return merged, written


def _enforce_single_primary(attr, elements, written):
    """RFC 7643 §2.4: "The primary attribute value 'true' MUST appear no more than once."

    The element just written with ``primary: true`` wins (setting a new primary email clears
    the others); otherwise the first primary is kept.
    """
    if attr["type"] != "complex" or not find_sub_attribute(attr, "primary"):
        return
    primaries = [e for e in elements if isinstance(e, dict) and _get(e, "primary") is True]
    if len(primaries) <= 1:
        return
    chosen = [e for e in written if _get(e, "primary") is True]
    winner = chosen[-1] if chosen else primaries[0]
    for element in primaries:
        if element is not winner:
            _set(element, "primary", False)
