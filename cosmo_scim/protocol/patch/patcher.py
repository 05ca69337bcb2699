"""The PATCH engine (RFC 7644 §3.5.2): a pure function of (resource, operations, schema).

:func:`apply_patch` takes the resource's current full SCIM representation (what GET returns:
core attributes at the top level, extension attributes in an object under the extension URN),
applies every operation to a deep copy and returns the copy. The caller validates and saves the
result exactly like a PUT, so a PATCH is atomic by construction: any problem raises a
:class:`~cosmo_scim.protocol.errors.ScimError` and nothing half-applied ever leaves it.
Attribute characteristics (type, multiValued, mutability, caseExact, required) come from
:mod:`cosmo_scim.protocol.schema`, the same definitions ``/Schemas`` publishes.
"""

import copy
from collections.abc import Mapping
from typing import Any

from .. import caseless
from ..coerce import coerce_attribute, coerce_element, coerce_value
from ..documents import Definition, JsonObject, SchemaDocument
from ..errors import ScimError, invalid_path, invalid_syntax, invalid_value, mutability, no_target
from ..filters.evaluate import ValueFilter
from ..limits import check_count
from ..schema.resolve import USER, AttributeRef, ResourceSchema, find_sub_attribute, resource_schema
from ..urns import names_schema
from .elements import WorkingLists, enforce_single_primary, is_unassigned, merge_elements
from .manager import apply_manager, is_manager
from .mutability import check_attribute, check_element, check_sub, refuse_read_only
from .operations import parse_operations, parse_target


def apply_patch(
    resource: JsonObject,
    patch: object,
    schema: ResourceSchema | str = USER,
    max_values: Mapping[str, int] | None = None,
) -> JsonObject:
    """Apply a PATCH request to ``resource`` and return the patched copy.

    :param resource: the current full SCIM representation (dict); never modified.
    :param patch: the request body (``{"schemas": [PatchOp], "Operations": [...]}``) or just
        the list of operations.
    :param schema: a :class:`~cosmo_scim.protocol.schema.resolve.ResourceSchema` (``USER``,
        ``GROUP``) or a resource type name ("User", "Group").
    :param max_values: the resource type's own bounds on its multi-valued attributes
        ({canonical name: count}, :func:`cosmo_scim.protocol.limits.max_values`), checked
        after every operation; without them, the generic ones.
    :returns: a new dict with the operations applied in order, attribute names canonical, and
        ``schemas`` listing exactly the extensions present.
    :raises ScimError: 400 with the RFC 7644 §3.12 ``scimType`` on the first failing operation;
        its detail names the operation's index.
    """
    rs = schema if isinstance(schema, ResourceSchema) else resource_schema(schema)
    operations = parse_operations(patch)
    result = copy.deepcopy(resource)
    patcher = _Patcher(result, rs, max_values)
    for index, operation in enumerate(operations):
        try:
            patcher.apply(operation.op, operation.path, operation.value)
        except ScimError as exc:
            where = f"Operations[{index}] ({operation.op}"
            where += f" {operation.path!r})" if operation.path else ")"
            raise ScimError(exc.status, f"{where}: {exc.detail}", exc.scim_type) from exc
    patcher.finish()
    return result


class _Patcher:
    """Applies operations to ``resource``, which it owns (apply_patch's deep copy), so lists
    change in place. Adding and removing values of a multi-valued attribute goes through
    ``lists`` (:class:`WorkingLists`): each costs the values it names, not the attribute's
    size. Any other operation on an attribute first settles its pending removals."""

    def __init__(
        self, resource: JsonObject, rs: ResourceSchema, max_values: Mapping[str, int] | None = None
    ) -> None:
        self.resource = resource
        self.rs = rs
        self.max_values = max_values
        self.lists = WorkingLists()

    # Entry point for one operation.
    def apply(self, op: str, path: str | None, value: object) -> None:
        if path is None:
            self._apply_pathless(op, value)
            return
        target = parse_target(self.rs, path)
        if target.ref is None:
            assert target.extension is not None  # the path is a bare extension URN
            self._apply_extension(op, target.extension, value)
        elif target.filter is not None:
            self._apply_filtered(op, target.ref, target.filter, value)
        else:
            self._apply_attribute(op, target.ref, value)

    def _apply_pathless(self, op: str, value: object) -> None:
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

    def _apply_extension(self, op: str, doc: SchemaDocument, value: object) -> None:
        """The path is an extension URN: the value holds that extension's attributes."""
        urn = doc["id"]
        if op == "remove":
            for attr in doc["attributes"]:
                if attr["mutability"] == "readOnly":
                    raise mutability(f"{urn} holds readOnly attributes and cannot be removed")
            caseless.drop(self.resource, urn)
            return
        if value is None:
            caseless.drop(self.resource, urn)
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
                if not names_schema(item, urn):
                    raise invalid_value(f"'schemas' inside the {urn} object must name {urn}")
                continue
            self._apply_attribute(op, self.rs.resolve(f"{urn}:{key}"), item)

    def _container(self, ref: AttributeRef, create: bool) -> JsonObject | None:
        """The dict holding ``ref.attr``: the resource, or its extension object."""
        if ref.extension is None:
            return self.resource
        container = caseless.get(self.resource, ref.extension)
        if container is None and create:
            container = {}
            caseless.put(self.resource, ref.extension, container)
        if container is not None and not isinstance(container, dict):
            raise invalid_value(f"{ref.extension} must be an object")
        return container

    def _apply_attribute(self, op: str, ref: AttributeRef, value: object) -> None:
        """A path without a value filter: ``title``, ``name.givenName``, ``members``…"""
        attr, sub = ref.attr, ref.sub
        container = self._container(ref, create=op != "remove")
        indexed = attr["multiValued"] and sub is None and not is_unassigned(value)
        if container is not None and not (indexed and op in ("add", "remove")):
            self.lists.settle(container, attr)
        current = caseless.get(container, attr["name"]) if container is not None else None
        if check_attribute(op, ref, current, value):
            return
        if is_manager(ref):
            apply_manager(op, ref, container, value)
            return
        if op == "remove" or value is None:
            # replace/add with null: RFC 7643 §2.5, null is equivalent to "unassigned".
            self._remove_attribute(ref, container, current, value if op == "remove" else None)
            return
        assert container is not None  # created for add and replace
        if sub is None:
            self._set_attribute(op, attr, container, current, coerce_attribute(attr, value))
        else:
            item = coerce_value(sub, value, f"{attr['name']}.{sub['name']}")
            self._set_sub_attribute(attr, sub, container, current, item)

    def _set_attribute(
        self, op: str, attr: dict[str, Any], container: dict[str, Any], current: Any, new: Any
    ) -> None:
        """``add`` or ``replace`` of a whole attribute with the (coerced) value ``new``."""
        if attr["multiValued"]:
            self._set_values(op, attr, container, current, new)
        elif attr["type"] == "complex":
            # RFC 7644 §3.5.2.1/§3.5.2.3: sub-attributes not given are left unchanged.
            merged = dict(current) if isinstance(current, dict) else {}
            for name, item in new.items():
                caseless.put(merged, name, item)
            self._store(container, attr, merged)
        else:
            caseless.put(container, attr["name"], new)

    def _set_values(
        self, op: str, attr: dict[str, Any], container: dict[str, Any], current: Any, new: Any
    ) -> None:
        """``add`` (RFC 7644 §3.5.2.1: the new values join the old) or ``replace`` (§3.5.2.3:
        they replace all values) of a multi-valued attribute."""
        if op == "add":
            merged = current if isinstance(current, list) else []
            index = self.lists.index(container, attr, merged)
            written = merge_elements(attr, merged, new, index)
            check_count(attr, self.lists.live_count(container, attr, merged), self.max_values)
            if find_sub_attribute(attr, "primary"):
                self._store(container, attr, merged)
                self.lists.settle(container, attr)
                merged = caseless.get(container, attr["name"]) or []
        else:
            merged, written = new, new
            check_count(attr, len(merged), self.max_values)
        enforce_single_primary(attr, merged, written)
        self._store(container, attr, merged)

    def _set_sub_attribute(
        self,
        attr: dict[str, Any],
        sub: dict[str, Any],
        container: dict[str, Any],
        current: Any,
        item: Any,
    ) -> None:
        """A sub-attribute's path without a filter. ``emails.value`` addresses every element
        of a multi-valued attribute; with no element yet there is nothing to address, so one
        is created to hold the value."""
        if attr["multiValued"]:
            elements = list(current or []) or [{}]
            for element in elements:
                caseless.put(element, sub["name"], item)
            enforce_single_primary(attr, elements, [])
            self._store(container, attr, elements)
        else:
            obj = dict(current) if isinstance(current, dict) else {}
            caseless.put(obj, sub["name"], item)
            self._store(container, attr, obj)

    def _remove_attribute(
        self, ref: AttributeRef, container: JsonObject | None, current: Any, value: object
    ) -> None:
        attr, sub = ref.attr, ref.sub
        if container is None or current is None:
            return
        if sub is None:
            if attr["required"]:
                raise invalid_value(f"{attr['name']} is required and cannot be removed")
            if attr["multiValued"] and value is not None and not is_unassigned(value):
                # Entra default dialect removes group members by value list:
                # {"op": "Remove", "path": "members", "value": [{"value": id}]}.
                index = self.lists.index(container, attr, current)
                doomed = [e for d in coerce_attribute(attr, value) for e in index.find_all(d)]
                self.lists.remove(container, attr, current, doomed)
                return
            # RFC 7644 §3.5.2.2: a multi-valued attribute without filter loses all its values.
            caseless.drop(container, attr["name"])
            return
        if attr["multiValued"]:
            elements = [dict(element) for element in current if isinstance(element, dict)]
            for element in elements:
                caseless.drop(element, sub["name"])
            self._store(container, attr, [element for element in elements if element])
        elif isinstance(current, dict):
            obj = dict(current)
            caseless.drop(obj, sub["name"])
            self._store(container, attr, obj)

    def _apply_filtered(
        self, op: str, ref: AttributeRef, value_filter: ValueFilter, value: object
    ) -> None:
        """A value path: ``emails[type eq "work"]``, ``emails[type eq "work"].value``…"""
        attr, sub = ref.attr, ref.sub
        refuse_read_only(ref, attr)
        container = self._container(ref, create=op != "remove")
        if container is None:
            return  # removing from an extension the resource does not have: nothing to do
        if not (sub is None and (op == "remove" or value is None)):
            self.lists.forget(container, attr)  # values change in place, or are read whole
        current = caseless.get(container, attr["name"])
        elements = current if isinstance(current, list) else []
        matches = self._matching(container, attr, elements, value_filter)
        if sub is not None:
            check_sub(op, ref, matches)
        elif op != "add":
            for element in matches:
                check_element(attr, element, value if op == "replace" else None)
        if op == "remove" or value is None:
            # RFC 7644 §3.5.2.2: the values matched by the filter are removed; none matching
            # is not an error (Okta may remove a member that is already gone).
            if sub is None:
                self.lists.remove(container, attr, elements, matches)
            else:
                for element in matches:
                    caseless.drop(element, sub["name"])
                self._store(container, attr, [e for e in elements if e])
            return
        if sub is not None:
            item = coerce_value(sub, value, f"{attr['name']}.{sub['name']}")
            for element in matches:
                caseless.put(element, sub["name"], item)
            if not matches:
                elements.append(self._new_element(value_filter, {sub["name"]: item}))
                matches = [elements[-1]]
        else:
            new = coerce_element(attr, value)
            if not matches:
                elements.append(self._new_element(value_filter, new))
                matches = [elements[-1]]
            else:
                matched = {id(m) for m in matches}
                updated: list[JsonObject] = []
                for index, element in enumerate(elements):
                    if id(element) not in matched:
                        continue
                    if op == "replace":
                        # RFC 7644 §3.5.2.3: "all matching record values SHALL be replaced".
                        elements[index] = element = dict(new)
                    else:
                        for name, item in new.items():
                            caseless.put(element, name, item)
                    updated.append(element)
                matches = updated
        self.lists.forget(container, attr)
        check_count(attr, len(elements), self.max_values)
        written = [m for m in matches if caseless.get(m, "primary") is True]
        enforce_single_primary(attr, elements, written)
        self._store(container, attr, elements)

    def _matching(
        self,
        container: JsonObject,
        attr: Definition,
        elements: list[Any],
        value_filter: ValueFilter,
    ) -> list[Any]:
        """The elements ``value_filter`` matches, in order. A filter requiring ``value eq
        "x"`` (``members[value eq "id"]``, Entra's removal) is only evaluated on the
        elements of that value, found in the attribute's index."""
        value = (value_filter.template or {}).get("value")
        if isinstance(value, str) and attr["type"] == "complex":
            index = self.lists.index(container, attr, elements)
            candidates = index.candidates({"value": value})
        else:
            self.lists.settle(container, attr)
            candidates = elements
        return [element for element in candidates if value_filter.matches(element)]

    @staticmethod
    def _new_element(value_filter: ValueFilter, values: JsonObject) -> JsonObject:
        """Create the element a value path describes when no element matches.

        RFC 7644 §3.5.2.3 wants ``noTarget`` for a replace whose filter matches nothing, but
        Entra sends one replace per attribute by path (``emails[type eq "work"].value``) for
        emails the user may not have yet (docs/idp-dialects.md, Entra default dialect):
        refusing would break every Entra user update. The element is built from the filter's
        ``eq`` terms plus the value; a filter that does not describe one element
        (``or``, ``ne``, ``co``…) cannot be turned into one and gives ``noTarget``.
        """
        if value_filter.template is None:
            raise no_target(f"No value matches the filter {value_filter.text!r}")
        element = dict(value_filter.template)
        for name, item in values.items():
            caseless.put(element, name, item)
        return element

    @staticmethod
    def _store(container: JsonObject, attr: Definition, value: object) -> None:
        if is_unassigned(value):
            caseless.drop(container, attr["name"])
        else:
            caseless.put(container, attr["name"], value)

    def finish(self) -> None:
        """Drop empty extension objects and make ``schemas`` list exactly the extensions present
        (RFC 7643 §3: ``schemas`` names the schemas whose attributes the resource carries)."""
        self.lists.settle_all()
        schemas = self.resource.get("schemas")
        schemas = list(schemas) if isinstance(schemas, list) else [self.rs.core_urn]
        for urn in self.rs.extension_urns:
            container = caseless.get(self.resource, urn)
            if is_unassigned(container):
                caseless.drop(self.resource, urn)
                schemas = [s for s in schemas if str(s).lower() != urn.lower()]
            elif not names_schema(schemas, urn):
                schemas.append(urn)
            else:
                key = caseless.find_key(self.resource, urn)
                assert key is not None  # the extension's object is there
                caseless.put(self.resource, urn, self.resource.pop(key))
        self.resource["schemas"] = schemas
