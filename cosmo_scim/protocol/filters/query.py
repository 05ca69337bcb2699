"""SCIM filters compiled to a Django ``Q`` over an :class:`~.registry.AttributeRegistry`.

Why not django-scim2's filter path or scim2-filter-parser's Django transpiler: the former runs
raw SQL over every tenant and scopes afterwards, the latter silently drops unknown attributes
(widening ``or`` queries), ignores caseExact and maps ``pr`` to ``isnull`` only.  Here the
filter is parsed by :mod:`.syntax` and compiled to a ``Q`` that the caller ANDs with its
tenant scope::

    queryset = filter_queryset(scoped_queryset, params.get("filter"), USER_ATTRIBUTES)

Semantics (decisions where the RFC leaves room):

* Every comparison is two-valued: a row whose attribute is NULL never matches ``eq``/``co``/...
  and ``not (...)`` is the exact complement of its operand.  ``ne`` is *defined* as
  ``not (... eq ...)``, so an absent attribute matches ``ne`` (``eq`` and ``ne`` partition the
  rows).  For a multi-valued attribute ``emails.value eq "x"`` means "some email has value x" and
  ``emails.value ne "x"`` means "no email has value x" (users without emails included).
* ``pr``: not NULL, and not ``""`` for strings; for a multi-valued attribute at least one child
  row (``emails.value pr``: a child row with a non-empty value); for a complex single-valued
  attribute (``name pr``) any of its declared sub-attributes present.
* ``eq null`` is ``not (... pr)`` and ``ne null`` is ``pr``; other operators with ``null`` fail.
* Strings with caseExact false compare by the one caseless rule (:mod:`..caseless`, the ASCII
  fold), both sides folded by the database — ``FOLD(column)`` against ``FOLD(%s)``, where
  ``FOLD`` is ``TRANSLATE`` over the 26 ASCII letters on PostgreSQL and ``LOWER`` on SQLite
  (never ``UPPER`` / Django's ``i``-lookups, never a Unicode case mapping) — so a filter
  answers as a PATCH value filter evaluated in Python does, and the functional indexes on
  the folded columns serve it on PostgreSQL: ``eq`` and ``gt/ge/lt/le`` are
  ``FOLD(column) = FOLD(%s)``; ``sw`` is ``FOLD(column) LIKE <escaped FOLD(%s)> || '%'``,
  which the planner folds to a constant prefix that a ``text_pattern_ops`` index on the
  folded column serves; ``co`` and ``ew`` are written the same way (no btree index serves an
  infix or a suffix, so they read the tenant's rows). caseExact attributes use Django's
  exact lookups (note: SQLite's LIKE is always case-insensitive for ASCII; production runs
  on PostgreSQL). ``%`` and ``_`` in values are escaped either way.
* dateTime values are ISO-8601 (``Z`` or an offset; no offset means UTC).  A literal denotes the
  interval given by its precision: ``eq "2011-05-13T04:42:34Z"`` matches the whole second (stored
  values carry microseconds the client never saw), ``gt`` means after that second, ``le`` up to
  its end.
* ``gt/ge/lt/le`` on booleans, ``co/sw/ew`` on non-strings, and a value of the wrong JSON type
  (``active eq "true"``, ``userName eq 1``) are ``invalidFilter``.
"""

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any, TypeAlias, TypeVar, cast

from django.conf import settings
from django.db.models import F, Model, Q, QuerySet, Value
from django.db.models.fields.json import KT
from django.db.models.lookups import (
    Contains,
    EndsWith,
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
    StartsWith,
)
from django.utils import timezone

from ..caseless import Folded
from ..errors import ScimError, invalid_filter
from ..paths import AttrPath
from .registry import (
    BOOLEAN,
    STRING,
    Attribute,
    AttributeRegistry,
    JSONMultiValued,
    MultiValued,
    Scalar,
)
from .syntax import And, Compare, LiteralValue, Node, Not, Or, ValuePath, parse_filter

_ORDER_LOOKUPS = {
    "gt": GreaterThan,
    "ge": GreaterThanOrEqual,
    "lt": LessThan,
    "le": LessThanOrEqual,
}
_SUBSTRING_OPS = {"co": "contains", "sw": "startswith", "ew": "endswith"}
_PATTERN_LOOKUPS = {"co": Contains, "sw": StartsWith, "ew": EndsWith}
_LOOKUPS = {"eq": "exact", "gt": "gt", "ge": "gte", "lt": "lt", "le": "lte"}

_NOTHING = Q(pk__in=[])

# A filtered model.
_M = TypeVar("_M", bound=Model)
# What a path names (AttributeRegistry.resolve): a column, a multi-valued attribute, or the
# sub-registry of a complex single-valued attribute.
_Resolved: TypeAlias = Attribute | AttributeRegistry
_MultiValued: TypeAlias = MultiValued | JSONMultiValued

_DATETIME_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}"
    r"(?:[Tt ](?P<hour>\d{2})(?::(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<frac>\d+))?)?)?)?"
    r"(?P<tz>[Zz]|[+-]\d{2}(?::?\d{2})?)?"
)


def parse_datetime(
    value: LiteralValue, path: AttrPath | str = "dateTime"
) -> tuple[dt.datetime, dt.datetime]:
    """ISO-8601 → ``(start, end)``: the interval the literal denotes at its precision.

    ``"2011-05-13T04:42:34Z"`` → [04:42:34, 04:42:35); a date alone → that whole day (UTC).
    Aware datetimes; no offset means UTC.  ScimError invalidFilter if malformed.
    """
    if not isinstance(value, str) or (match := _DATETIME_RE.fullmatch(value)) is None:
        raise invalid_filter(f"Invalid dateTime value {value!r} for '{path}'")
    if match["frac"]:
        digits = min(len(match["frac"]), 6)
        unit = dt.timedelta(microseconds=10 ** (6 - digits))
    elif match["second"]:
        unit = dt.timedelta(seconds=1)
    elif match["minute"]:
        unit = dt.timedelta(minutes=1)
    elif match["hour"]:
        unit = dt.timedelta(hours=1)
    else:
        unit = dt.timedelta(days=1)
    text = value
    if match["tz"] in ("Z", "z"):
        text = value[:-1] + "+00:00"
    if match["hour"] and not match["minute"]:
        # fromisoformat wants at least hh:mm.
        hour_end = match.end("hour")
        text = text[:hour_end] + ":00" + text[hour_end:]
    try:
        parsed = dt.datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        end = parsed + unit
    except (ValueError, OverflowError):
        raise invalid_filter(f"Invalid dateTime value {value!r} for '{path}'") from None
    return parsed, end


def _db_datetime(value: dt.datetime) -> dt.datetime:
    if settings.USE_TZ:
        return value
    return timezone.make_naive(value, timezone.get_default_timezone())


class _Compiler:
    """``absent_unknown``: an attribute the registry does not declare (at the top level) is
    absent from every row instead of an error, and its path is recorded in ``unknown`` (a
    query over several resource types, :func:`filter_querysets`)."""

    def __init__(self, registry: AttributeRegistry, absent_unknown: bool = False) -> None:
        self.registry = registry
        self.absent_unknown = absent_unknown
        self.unknown: set[str] = set()

    def resolve(
        self, path: AttrPath, registry: AttributeRegistry
    ) -> tuple[str, _Resolved, str | None] | None:
        """``registry.resolve(path)``, or None for an attribute this compiler treats as
        absent."""
        try:
            return registry.resolve(path)
        except ScimError:
            if not (self.absent_unknown and registry is self.registry):
                raise
            self.unknown.add(str(path))
            return None

    def compile(self, node: Node, registry: AttributeRegistry | None = None) -> Q:
        """``registry``: scope for attribute names (a sub-registry inside brackets)."""
        registry = registry or self.registry
        if isinstance(node, And):
            return self.compile(node.left, registry) & self.compile(node.right, registry)
        if isinstance(node, Or):
            return self.compile(node.left, registry) | self.compile(node.right, registry)
        if isinstance(node, Not):
            return ~self.compile(node.operand, registry)
        if isinstance(node, ValuePath):
            return self.value_path(node, registry)
        return self.comparison(node, registry)

    def comparison(self, node: Compare, registry: AttributeRegistry) -> Q:
        resolved = self.resolve(node.path, registry)
        if resolved is None:
            return _absent(node.op, node.value)
        _, attr, sub = resolved
        if isinstance(attr, Scalar):
            return _leaf(attr, node.op, node.value, node.path)
        if isinstance(attr, AttributeRegistry):
            if node.op != "pr":
                raise invalid_filter(
                    f"'{node.path}' is a complex attribute: filter on one of its sub-attributes"
                )
            return self.any_present(attr)
        # Multi-valued: some value satisfies the comparison on a sub-attribute.
        if sub is None and node.op == "pr":
            return attr.any(None)
        sub = sub or attr.default
        if attr.registry.get(sub) is None:
            raise invalid_filter(f"Unknown attribute '{node.path}.{sub}' in filter")
        return self.exists(attr, None, sub, node)

    def exists(self, multi: _MultiValued, condition: Node | None, sub: str, node: Compare) -> Q:
        """Some value of ``multi`` matches ``condition`` (the filter inside brackets, an AST,
        or None) and the comparison ``node`` on its sub-attribute ``sub``; ``ne`` negates
        ``eq``. Compiled by ``multi`` for each place a value is (a child row, or each
        position of a JSON array)."""
        null = node.value is None and node.op in ("eq", "ne")
        # "eq null": no value has the sub-attribute; "ne null": some value has it.
        negate = node.op == "eq" if null else node.op == "ne"

        def build(registry: AttributeRegistry) -> Q:
            sub_attr = _sub_attribute(registry, sub)
            if null:
                leaf = _present(sub_attr)
            else:
                leaf = _leaf(sub_attr, "eq" if node.op == "ne" else node.op, node.value, node.path)
            return leaf if condition is None else self.compile(condition, registry) & leaf

        # An eq on an indexed sub-attribute alone is served by that index (registry.py).
        indexed = (
            condition is None
            and not null
            and node.op in ("eq", "ne")
            and _sub_attribute(multi.registry, sub).indexed
        )
        query = multi.any(build, indexed=indexed)
        return ~query if negate else query

    def value_path(self, node: ValuePath, registry: AttributeRegistry) -> Q:
        resolved = self.resolve(node.path, registry)
        if resolved is None:
            return _NOTHING if node.tail is None else _absent(node.tail.op, node.tail.value)
        attr = resolved[1]
        if isinstance(attr, Scalar):
            raise invalid_filter(f"'{node.path}' is not a complex attribute")
        if isinstance(attr, AttributeRegistry):
            inner = self.compile(node.filter, attr)
            if node.tail is None:
                return inner
            return inner & self.comparison(node.tail, attr)
        if node.tail is None:
            return attr.any(
                lambda values: self.compile(node.filter, values),
                indexed=_indexed_eq(node.filter, attr.registry),
            )
        full = AttrPath(node.path.uri, node.path.name, node.tail.path.name)
        if attr.registry.get(node.tail.path.name) is None:
            raise invalid_filter(f"Unknown attribute '{full}' in filter")
        tail = Compare(full, node.tail.op, node.tail.value)
        return self.exists(attr, node.filter, node.tail.path.name, tail)

    def any_present(self, registry: AttributeRegistry) -> Q:
        query = _NOTHING
        for attr in registry.scalars():
            query |= _present(attr)
        return query


def _absent(op: str, value: LiteralValue) -> Q:
    """A comparison on an attribute no row has: like a NULL column, only ``ne`` a value and
    ``eq null`` match (the semantics of the module docstring)."""
    if (op == "ne" and value is not None) or (op == "eq" and value is None):
        return ~_NOTHING
    return _NOTHING


def _indexed_eq(node: Node, registry: AttributeRegistry) -> bool:
    """Is the bracket filter ``[value eq "x"]`` on an indexed sub-attribute?"""
    if not isinstance(node, Compare) or node.op != "eq" or node.value is None:
        return False
    attr = registry.get(node.path.name) if node.path.sub is None else None
    return isinstance(attr, Scalar) and attr.indexed


def _sub_attribute(registry: AttributeRegistry, name: str) -> Scalar:
    """The sub-attribute ``name`` of a multi-valued attribute, which the caller has found
    declared (a nested registry holds Scalars only)."""
    return cast(Scalar, registry.get(name))


def _not_null(attr: Scalar) -> Q:
    return Q(**{f"{attr.field}__isnull": False})


def _present(attr: Scalar) -> Q:
    query = _not_null(attr)
    if attr.type == STRING:
        query &= ~Q(**{attr.field: ""})
    return query


def _leaf(attr: Scalar, op: str, value: LiteralValue, path: AttrPath) -> Q:
    """Q for ``<attr> <op> <value>`` that is never NULL, so ``~`` is an exact complement."""
    if op == "pr":
        return _present(attr)
    if value is None:
        if op == "eq":
            return ~_present(attr)
        if op == "ne":
            return _present(attr)
        raise invalid_filter(f"'{op}' cannot compare '{path}' with null")
    if op == "ne":
        return ~_leaf(attr, "eq", value, path)
    field = attr.field
    kind = attr.type

    if kind == STRING:
        if not isinstance(value, str):
            raise invalid_filter(f"'{path}' is a string: compare it with a quoted string")
        # A key of a JSON element is compared as the text it holds.
        column = KT(field) if attr.in_json else F(field)
        if op in _SUBSTRING_OPS:
            if attr.case_exact:
                return Q(**{f"{field}__{_SUBSTRING_OPS[op]}": value}) & _not_null(attr)
            pattern = _PATTERN_LOOKUPS[op](Folded(column), Folded(Value(value)))
            return Q(pattern) & _not_null(attr)
        if attr.case_exact:
            return Q(**{f"{field}__{_LOOKUPS[op]}": value}) & _not_null(attr)
        lookup_class = Exact if op == "eq" else _ORDER_LOOKUPS[op]
        return Q(lookup_class(Folded(column), Folded(Value(value)))) & _not_null(attr)

    if op in _SUBSTRING_OPS:
        raise invalid_filter(f"'{op}' is only for string attributes, '{path}' is a {kind}")

    if kind == BOOLEAN:
        if op in _ORDER_LOOKUPS:
            raise invalid_filter(f"'{op}' cannot be used on the boolean attribute '{path}'")
        if not isinstance(value, bool):
            raise invalid_filter(f"'{path}' is a boolean: compare it with true or false")
        return Q(**{field: value}) & _not_null(attr)

    # dateTime: the literal stands for the interval [start, start + precision).
    start, end = parse_datetime(value, path)
    start, end = _db_datetime(start), _db_datetime(end)
    bounds = {
        "eq": {"gte": start, "lt": end},
        "gt": {"gte": end},
        "ge": {"gte": start},
        "lt": {"lt": start},
        "le": {"lt": end},
    }[op]
    return Q(**{f"{field}__{k}": v for k, v in bounds.items()}) & _not_null(attr)


def compile_filter(text: object, registry: AttributeRegistry) -> Q:
    """Compile a SCIM filter string to a ``Q`` over the registry's model.

    ``None`` or a blank string means "no filter" (``Q()``).  Raises ScimError 400
    ``invalidFilter`` for anything the client got wrong.  AND the result with the tenant scope.
    """
    if text is None or (isinstance(text, str) and not text.strip()):
        return Q()
    return _Compiler(registry).compile(parse_filter(text))


def filter_queryset(
    queryset: QuerySet[_M], text: object, registry: AttributeRegistry
) -> QuerySet[_M]:
    """``queryset`` (already tenant-scoped) narrowed by the SCIM filter ``text``."""
    query = compile_filter(text, registry)
    return queryset.filter(query) if query else queryset


def filter_querysets(
    scoped: Sequence[tuple[QuerySet[Any], AttributeRegistry]], text: object
) -> list[QuerySet[Any]]:
    """One filter over several resource types (a query at the root, RFC 7644 §3.4.3):
    ``scoped`` is ``[(tenant-scoped queryset, registry), ...]``, the result each queryset
    narrowed by ``text``. An attribute a resource type does not define is absent from its
    resources (``userName eq "x"`` matches no Group, ``not (userName pr)`` every Group); one
    that no resource type defines is a 400 ``invalidFilter``, as for a single type."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return [queryset for queryset, _ in scoped]
    tree = parse_filter(text)
    narrowed: list[QuerySet[Any]] = []
    unknown_everywhere: set[str] | None = None
    for queryset, registry in scoped:
        compiler = _Compiler(registry, absent_unknown=True)
        narrowed.append(queryset.filter(compiler.compile(tree)))
        unknown = compiler.unknown
        unknown_everywhere = unknown if unknown_everywhere is None else unknown_everywhere & unknown
    if unknown_everywhere:
        raise invalid_filter(f"Unknown attribute '{min(unknown_everywhere)}' in filter")
    return narrowed
