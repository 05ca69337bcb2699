"""A PATCH request read (RFC 7644 §3.5.2): the PatchOp message into operations, and each
operation's ``path`` into the attribute, extension or value-filtered elements it targets."""

from dataclasses import dataclass

from .. import caseless
from ..documents import SchemaDocument
from ..errors import ScimError, invalid_path, invalid_syntax
from ..filters.evaluate import ValueFilter
from ..paths import parse_attr_path
from ..schema.resolve import AttributeRef, ResourceSchema
from ..urns import PATCH_OP_SCHEMA, names_schema

OPS = ("add", "replace", "remove")


@dataclass(frozen=True)
class PatchOperation:
    """One validated operation: ``op`` lower-cased, ``path`` None when absent or empty."""

    op: str
    path: str | None
    value: object = None


def parse_operations(patch: object) -> list[PatchOperation]:
    """Validate the PatchOp body (or bare operation list) into :class:`PatchOperation` items.

    RFC 7644 §3.5.2: the body carries the PatchOp schema and a non-empty ``Operations`` array
    of objects with ``op``, optional ``path`` and ``value``. Member names are matched
    case-insensitively (RFC 7643 §2.1) and ``op`` too, because Entra sends "Add"/"Replace"/
    "Remove". A missing ``schemas`` is tolerated (it carries no information here); a
    ``schemas`` without PatchOp is a different message and is refused.
    """
    if isinstance(patch, dict):
        schemas = caseless.get(patch, "schemas")
        if schemas is not None and not names_schema(schemas, PATCH_OP_SCHEMA):
            raise invalid_syntax(f"A PATCH request must use the schema {PATCH_OP_SCHEMA}")
        operations = caseless.get(patch, "Operations")
    else:
        operations = patch
    if not isinstance(operations, list) or not operations:
        raise invalid_syntax("'Operations' must be a non-empty array of operations")
    parsed = []
    for index, raw in enumerate(operations):
        if not isinstance(raw, dict):
            raise invalid_syntax(f"Operations[{index}] must be an object")
        op = caseless.get(raw, "op")
        if not isinstance(op, str) or op.lower() not in OPS:
            raise invalid_syntax(
                f"Operations[{index}]: 'op' must be one of add, replace, remove, got {op!r}"
            )
        op = op.lower()
        path = caseless.get(raw, "path")
        if path is not None and not isinstance(path, str):
            raise invalid_path(f"Operations[{index}]: 'path' must be a string")
        path = path.strip() if path else None
        if op != "remove" and caseless.find_key(raw, "value") is None:
            # RFC 7644 §3.5.2.1/§3.5.2.3: add and replace MUST carry a value.
            raise invalid_syntax(f"Operations[{index}]: '{op}' requires a 'value'")
        parsed.append(PatchOperation(op, path or None, caseless.get(raw, "value")))
    return parsed


@dataclass(frozen=True)
class Target:
    """A parsed PATCH path.

    ``ref`` is the attribute (and sub-attribute) addressed; it is None when the path is a bare
    extension URN, whose schema is then ``extension``. ``filter`` is the value filter of a
    ``valuePath`` (``emails[type eq "work"].value``); then ``ref.attr`` is the multi-valued
    attribute and ``ref.sub`` the sub-attribute after the brackets, if any.
    """

    ref: AttributeRef | None
    extension: SchemaDocument | None = None
    filter: ValueFilter | None = None


def parse_target(rs: ResourceSchema, path: str) -> "Target":
    """Parse a PATCH ``path`` (RFC 7644 §3.5.2 ABNF: attrPath / valuePath [subAttr]).

    Forms: ``title``, ``name.givenName``, ``urn:...:User:userName`` (core URN prefix),
    ``urn:...:enterprise:2.0:User:department``, the bare extension URN, and value paths
    ``emails[type eq "work"]``, ``emails[type eq "work"].value``, ``members[value eq "id"]``.
    """
    bracket = path.find("[")
    if bracket < 0:
        doc = rs.schema_named(path)
        if doc is not None:
            if doc is rs.core:
                raise invalid_path(f"Path {path!r} names a schema, not an attribute")
            return Target(None, extension=doc)
        return Target(rs.resolve(path))
    # valuePath = attrPath "[" valFilter "]", then an optional "." subAttr.
    close = path.rfind("]")
    attr_path = parse_attr_path(path[:bracket])
    tail = path[close + 1 :] if close > bracket else None
    sub_path = parse_attr_path(tail[1:]) if tail and tail.startswith(".") else None
    if (
        attr_path is None
        or attr_path.sub is not None
        or tail is None
        or (tail and (sub_path is None or not sub_path.is_name))
    ):
        raise invalid_path(f"Invalid value path {path!r}")
    sub_name = sub_path.name if sub_path else None
    ref = rs.reference(rs.schema_of(attr_path, path), attr_path.name, sub_name, path)
    attr = ref.attr
    if not attr["multiValued"] or attr["type"] != "complex":
        raise invalid_path(f"A value filter needs a complex multi-valued attribute: {path!r}")
    return Target(ref, filter=ValueFilter(path[bracket + 1 : close], attr))


def check_request(patch: object, rs: ResourceSchema) -> None:
    """Everything about a PATCH that does not depend on the resource: the message, each
    operation and each path (with its value filter). The endpoints ask before the resource
    is looked up or locked, so a malformed request is refused without touching it;
    :func:`~.patcher.apply_patch` reads the same, and adds what depends on the values."""
    for index, operation in enumerate(parse_operations(patch)):
        if operation.path is None:
            continue
        try:
            parse_target(rs, operation.path)
        except ScimError as exc:
            where = f"Operations[{index}] ({operation.op} {operation.path!r})"
            raise ScimError(exc.status, f"{where}: {exc.detail}", exc.scim_type) from exc
