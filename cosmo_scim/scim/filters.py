"""SCIM filter expressions (RFC 7644 §3.4.2.2) compiled to a Django ``Q``.

Why not django-scim2's filter path or scim2-filter-parser's Django transpiler: the former runs
raw SQL over every tenant and scopes afterwards, the latter silently drops unknown attributes
(widening ``or`` queries), ignores caseExact and maps ``pr`` to ``isnull`` only.  Here the filter
is parsed by a small recursive-descent parser (it handles URN-prefixed attributes, value paths
with a trailing sub-attribute, ``not (...)``, numbers and JSON string escapes) and compiled to a
``Q`` that the view ANDs with its tenant scope::

    qs = ScimUser.objects.filter(tenant=tenant)
    qs = qs.filter(compile_filter(request.GET.get("filter"), USER_ATTRIBUTES))

What the client may filter on is declared in an :class:`AttributeRegistry`; anything else, in
any position (inside ``or``, ``not`` or brackets), is a 400 ``invalidFilter`` naming it::

    USER_ATTRIBUTES = AttributeRegistry(
        {
            "id": Scalar("scim_id", case_exact=True, to_python=uuid.UUID),
            "userName": Scalar("user_name"),
            "name.givenName": Scalar("given_name"),
            "active": Scalar("membership__is_active", BOOLEAN),
            "meta.created": Scalar("created", DATETIME),
            "emails": MultiValued("cosmo_scim.ScimUserEmail", fk="scim_user", attributes={
                "value": Scalar("value"), "type": Scalar("type"),
                "primary": Scalar("primary", BOOLEAN),
            }),
        },
        core_schema="urn:ietf:params:scim:schemas:core:2.0:User",
    )

Keep ORM paths single-valued from the filtered model (a forward FK such as ``membership``):
a path through a reverse/multi-valued relation would be joined separately from the tenant
scope.  Non-caseExact string attributes must be text columns (they are wrapped in LOWER()).

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
* Strings with caseExact false compare case-insensitively.  ``eq`` and ``gt/ge/lt/le`` are
  written as ``LOWER(column) = LOWER(%s)`` (never ``UPPER`` / ``__iexact``) so a functional index
  on ``Lower(column)`` serves them on PostgreSQL; the value is lowered by the database too so both
  sides use the same case mapping.  ``co/sw/ew`` use Django's ``i``-lookups (which escape ``%``
  and ``_``), or the exact ones for caseExact attributes (note: SQLite's LIKE is always
  case-insensitive for ASCII; production runs on PostgreSQL).
* dateTime values are ISO-8601 (``Z`` or an offset; no offset means UTC).  A literal denotes the
  interval given by its precision: ``eq "2011-05-13T04:42:34Z"`` matches the whole second (stored
  values carry microseconds the client never saw), ``gt`` means after that second, ``le`` up to
  its end.
* ``gt/ge/lt/le`` on booleans, ``co/sw/ew`` on non-strings, and a value of the wrong JSON type
  (``active eq "true"``, ``userName eq 1``) are ``invalidFilter``.
* A value that cannot be converted by an attribute's ``to_python`` (``id eq "not-a-uuid"``)
  simply matches nothing.
"""

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Lower
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
)
from django.utils import timezone

from .errors import ScimError, invalid_filter

__all__ = [
    "STRING",
    "BOOLEAN",
    "DATETIME",
    "INTEGER",
    "DECIMAL",
    "REFERENCE",
    "Scalar",
    "MultiValued",
    "AttributeRegistry",
    "parse_filter",
    "compile_filter",
    "filter_queryset",
]

# SCIM attribute types (RFC 7643 §2.3) that can be filtered.
STRING = "string"
BOOLEAN = "boolean"
DATETIME = "dateTime"
INTEGER = "integer"
DECIMAL = "decimal"
REFERENCE = "reference"
_TYPES = {STRING, BOOLEAN, DATETIME, INTEGER, DECIMAL, REFERENCE}
_STRING_TYPES = {STRING, REFERENCE}

# Guards against filters built to exhaust the server.
MAX_FILTER_LENGTH = 8192
MAX_NESTING = 32
MAX_TERMS = 200

_COMPARE_OPS = {"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"}
_ORDER_OPS = {"gt", "ge", "lt", "le"}
_SUBSTRING_OPS = {"co": "contains", "sw": "startswith", "ew": "endswith"}
_ORDER_LOOKUPS = {
    "gt": GreaterThan,
    "ge": GreaterThanOrEqual,
    "lt": LessThan,
    "le": LessThanOrEqual,
}
_LOOKUPS = {"eq": "exact", "gt": "gt", "ge": "gte", "lt": "lt", "le": "lte"}
_INT64 = 2**63


# --------------------------------------------------------------------------------------------
# Attribute registry
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scalar:
    """A single-valued attribute stored in one column.

    ``field``: ORM path relative to the model being filtered (``user_name``,
    ``membership__is_active``); ``type``: SCIM type; ``case_exact``: RFC 7643 caseExact;
    ``to_python``: optional converter for eq/ne/gt/ge/lt/le values (e.g. ``uuid.UUID`` for a
    UUIDField) — a value it rejects (ValueError/TypeError/ValidationError) matches nothing;
    ``sortable``: whether ``sortBy`` may name it.
    """

    field: str
    type: str = STRING
    case_exact: bool = False
    to_python: Callable | None = None
    sortable: bool = True

    def __post_init__(self):
        if self.type not in _TYPES:
            raise ValueError(f"Unsupported SCIM attribute type {self.type!r}")


@dataclass(frozen=True)
class MultiValued:
    """A multi-valued complex attribute stored as rows of a child table.

    ``model``: the child model, a zero-argument callable returning it, or an ``"app.Model"``
    label (so registries can be declared at import time); ``fk``: the child's foreign key to the
    parent; ``attributes``: the sub-attributes (``{"value": Scalar("value"), ...}``, ORM paths
    relative to the child); ``outer_ref``: the parent field the FK points to; ``default``: the
    sub-attribute meant when the filter names the attribute alone (``emails co "@x"``).
    """

    model: object
    fk: str
    attributes: Mapping[str, Scalar]
    outer_ref: str = "pk"
    default: str = "value"
    registry: "AttributeRegistry" = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        sub = AttributeRegistry(self.attributes, _nested=True)
        object.__setattr__(self, "registry", sub)

    def get_model(self):
        model = self.model
        if isinstance(model, str):
            return apps.get_model(model)
        if isinstance(model, type):
            return model
        return model()

    def exists(self, condition=None):
        """``Exists`` over this parent's child rows matching ``condition`` (a ``Q``)."""
        model = self.get_model()
        where = Q(**{self.fk: OuterRef(self.outer_ref)})
        if condition is not None:
            where &= condition
        return Q(Exists(model._default_manager.filter(where)))


class AttributeRegistry:
    """What a resource's filters (and ``sortBy``) may name, keyed case-insensitively by path.

    Keys are SCIM attribute paths: ``"userName"``, ``"name.givenName"``, ``"meta.created"``,
    ``"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"``; values are
    :class:`Scalar` or (top level only) :class:`MultiValued`.  Attributes of ``core_schema`` may
    also be written fully qualified (``urn:ietf:params:scim:schemas:core:2.0:User:userName``).
    ``tiebreaker`` is a unique ORM field appended to every ordering.
    """

    def __init__(self, attributes, *, core_schema=None, tiebreaker="pk", _nested=False):
        self.core_schema = core_schema.lower() if core_schema else None
        self.tiebreaker = tiebreaker
        self._attrs = {}
        for key, attr in attributes.items():
            if isinstance(attr, MultiValued):
                if _nested:
                    raise ValueError(f"{key!r}: sub-attributes must be Scalar")
            elif not isinstance(attr, Scalar):
                raise TypeError(f"{key!r}: expected Scalar or MultiValued, got {attr!r}")
            lowered = key.lower()
            if lowered in self._attrs:
                raise ValueError(f"Duplicate attribute {key!r}")
            self._attrs[lowered] = attr

    def __contains__(self, key):
        return key.lower() in self._attrs

    def get(self, key):
        return self._attrs.get(key.lower())

    def _bases(self, path):
        if path.uri is None:
            return [path.name.lower()]
        qualified = f"{path.uri}:{path.name}".lower()
        if path.uri.lower() == self.core_schema:
            return [qualified, path.name.lower()]
        return [qualified]

    def resolve(self, path):
        """Resolve an :class:`AttrPath` to ``(kind, attr, sub)``; ScimError if unknown.

        kind is ``"scalar"`` (attr: Scalar), ``"multi"`` (attr: MultiValued, sub: sub-attribute
        name or None) or ``"complex"`` (attr: sub-registry of a complex single-valued attribute).
        """
        for base in self._bases(path):
            if path.sub is not None:
                found = self._attrs.get(f"{base}.{path.sub.lower()}")
                if isinstance(found, Scalar):
                    return "scalar", found, None
            found = self._attrs.get(base)
            if isinstance(found, MultiValued):
                if path.sub is not None and path.sub.lower() not in found.registry:
                    break
                return "multi", found, path.sub
            if path.sub is not None:
                continue
            if isinstance(found, Scalar):
                return "scalar", found, None
            complex_attr = self.complex(base)
            if complex_attr is not None:
                return "complex", complex_attr, None
        raise invalid_filter(f"Unknown attribute '{path}' in filter")

    def complex(self, base):
        """Sub-registry of the scalars declared under ``base.`` (``name`` → givenName...)."""
        prefix = base + "."
        subs = {k[len(prefix) :]: v for k, v in self._attrs.items() if k.startswith(prefix)}
        subs = {k: v for k, v in subs.items() if "." not in k and isinstance(v, Scalar)}
        if not subs:
            return None
        return AttributeRegistry(subs, _nested=True)

    def scalars(self):
        return [attr for attr in self._attrs.values() if isinstance(attr, Scalar)]


# --------------------------------------------------------------------------------------------
# Parser
# --------------------------------------------------------------------------------------------

_ATTRNAME = r"[A-Za-z$][A-Za-z0-9_$-]*"
_PATH_RE = re.compile(
    rf"(?:(?P<uri>urn:[A-Za-z0-9._:-]+):)?(?P<name>{_ATTRNAME})(?:\.(?P<sub>{_ATTRNAME}))?",
    re.IGNORECASE,
)
_SUBATTR_RE = re.compile(rf"\.(?P<sub>{_ATTRNAME})")
_NUMBER_RE = re.compile(r"-?(?:0|[1-9][0-9]*)(?P<frac>\.[0-9]+)?(?P<exp>[eE][+-]?[0-9]+)?")
_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
    |(?P<string>"(?:[^"\\]|\\.)*")
    |(?P<punct>[()\[\]])
    |(?P<word>[A-Za-z0-9_:.$+-]+)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class AttrPath:
    uri: str | None
    name: str
    sub: str | None

    def __str__(self):
        text = f"{self.uri}:{self.name}" if self.uri else self.name
        return f"{text}.{self.sub}" if self.sub else text


@dataclass(frozen=True)
class Compare:
    path: AttrPath
    op: str  # eq ne co sw ew gt ge lt le pr
    value: object = None  # str, bool, int, Decimal or None (JSON null / pr)


@dataclass(frozen=True)
class ValuePath:
    """``emails[type eq "work"]`` optionally followed by ``.value eq "x"`` (``tail``)."""

    path: AttrPath
    filter: object
    tail: Compare | None = None


@dataclass(frozen=True)
class And:
    left: object
    right: object


@dataclass(frozen=True)
class Or:
    left: object
    right: object


@dataclass(frozen=True)
class Not:
    operand: object


@dataclass(frozen=True)
class _Token:
    kind: str  # string ( ) [ ] word end
    text: str
    pos: int


def _tokenize(text):
    tokens = []
    pos = 0
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if match is None:
            if text[pos] == '"':
                raise invalid_filter(f"Unterminated string at position {pos + 1}")
            raise invalid_filter(f"Unexpected character {text[pos]!r} at position {pos + 1}")
        kind = match.lastgroup
        if kind != "ws":
            value = match.group()
            tokens.append(_Token(value if kind == "punct" else kind, value, pos))
        pos = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


class _Parser:
    """Recursive descent over RFC 7644's filter grammar.

    FILTER    = orExp ; orExp = andExp *("or" andExp) ; andExp = unary *("and" unary)
    unary     = "not" "(" FILTER ")" / "(" FILTER ")" / attrExp / valuePath
    valuePath = attrPath "[" FILTER "]" [ "." subAttr compareOp compValue / "pr" ]
    """

    def __init__(self, text):
        self.tokens = _tokenize(text)
        self.index = 0
        self.depth = 0
        self.terms = 0
        self.in_brackets = False

    def peek(self, offset=0):
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def advance(self):
        token = self.peek()
        self.index += 1
        return token

    def is_keyword(self, token, word):
        return token.kind == "word" and token.text.lower() == word

    def expect(self, kind, what):
        token = self.peek()
        if token.kind != kind:
            raise self.error(f"expected {what}")
        return self.advance()

    def error(self, message, token=None):
        token = token or self.peek()
        found = "end of filter" if token.kind == "end" else repr(token.text)
        return invalid_filter(
            f"Invalid filter: {message}, found {found} at position {token.pos + 1}"
        )

    def parse(self):
        node = self.or_expr()
        if self.peek().kind != "end":
            raise self.error("expected 'and', 'or' or end of filter")
        return node

    def or_expr(self):
        node = self.and_expr()
        while self.is_keyword(self.peek(), "or"):
            self.advance()
            node = Or(node, self.and_expr())
        return node

    def and_expr(self):
        node = self.unary()
        while self.is_keyword(self.peek(), "and"):
            self.advance()
            node = And(node, self.unary())
        return node

    def unary(self):
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise invalid_filter("Invalid filter: nested too deeply")
        try:
            token = self.peek()
            if self.is_keyword(token, "not") and self.peek(1).kind == "(":
                self.advance()
                return Not(self.group())
            if token.kind == "(":
                return self.group()
            return self.attr_expr()
        finally:
            self.depth -= 1

    def group(self):
        self.expect("(", "'('")
        node = self.or_expr()
        self.expect(")", "')'")
        return node

    def attr_path(self):
        token = self.peek()
        if token.kind != "word":
            raise self.error("expected an attribute name")
        match = _PATH_RE.fullmatch(token.text)
        if match is None:
            raise self.error("invalid attribute name")
        self.advance()
        return AttrPath(match["uri"], match["name"], match["sub"])

    def attr_expr(self):
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise invalid_filter(f"Invalid filter: more than {MAX_TERMS} comparisons")
        path = self.attr_path()
        if self.peek().kind != "[":
            return self.comparison(path)
        bracket = self.advance()
        if self.in_brackets:
            raise self.error("value filters cannot be nested", bracket)
        if path.sub is not None:
            raise self.error("a value filter must follow a multi-valued attribute", bracket)
        self.in_brackets = True
        inner = self.or_expr()
        self.expect("]", "']'")
        self.in_brackets = False
        token = self.peek()
        if token.kind == "word" and token.text.startswith("."):
            match = _SUBATTR_RE.fullmatch(token.text)
            if match is None:
                raise self.error("invalid sub-attribute name")
            self.advance()
            tail = self.comparison(AttrPath(None, match["sub"], None))
            return ValuePath(path, inner, tail)
        return ValuePath(path, inner)

    def comparison(self, path):
        token = self.peek()
        op = token.text.lower() if token.kind == "word" else ""
        if op == "pr":
            self.advance()
            return Compare(path, "pr")
        if op not in _COMPARE_OPS:
            raise self.error(f"expected an operator after '{path}'")
        self.advance()
        return Compare(path, op, self.comp_value())

    def comp_value(self):
        token = self.peek()
        if token.kind == "string":
            try:
                value = json.loads(token.text, strict=False)
            except ValueError:
                raise self.error("invalid string") from None
            if "\x00" in value:
                raise self.error("NUL character in string")
            self.advance()
            return value
        if token.kind == "word":
            lowered = token.text.lower()
            if lowered in ("true", "false", "null"):
                self.advance()
                return {"true": True, "false": False, "null": None}[lowered]
            match = _NUMBER_RE.fullmatch(token.text)
            if match is not None:
                self.advance()
                if match["frac"] or match["exp"]:
                    return Decimal(token.text)
                return int(token.text)
        raise self.error("expected a value (string, number, true, false or null)")


def parse_filter(text):
    """Parse a filter into an AST (Compare / ValuePath / And / Or / Not); ScimError 400 if bad."""
    if not isinstance(text, str):
        raise invalid_filter("Invalid filter: not a string")
    if len(text) > MAX_FILTER_LENGTH:
        raise invalid_filter(f"Invalid filter: longer than {MAX_FILTER_LENGTH} characters")
    if not text.strip():
        raise invalid_filter("Invalid filter: empty")
    try:
        return _Parser(text).parse()
    except ScimError:
        raise
    except (ValueError, TypeError, ArithmeticError, RecursionError) as exc:
        raise invalid_filter(f"Invalid filter: {exc}") from None


# --------------------------------------------------------------------------------------------
# Compiler
# --------------------------------------------------------------------------------------------

_NOTHING = Q(pk__in=[])

_DATETIME_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}"
    r"(?:[Tt ](?P<hour>\d{2})(?::(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<frac>\d+))?)?)?)?"
    r"(?P<tz>[Zz]|[+-]\d{2}(?::?\d{2})?)?"
)


def parse_datetime(value, path="dateTime"):
    """ISO-8601 → ``(start, end)``: the interval the literal denotes at its precision.

    ``"2011-05-13T04:42:34Z"`` → [04:42:34, 04:42:35); a date alone → that whole day (UTC).
    Aware datetimes; no offset means UTC.  ScimError invalidFilter if malformed.
    """
    match = _DATETIME_RE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
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


def _db_datetime(value):
    if settings.USE_TZ:
        return value
    return timezone.make_naive(value, timezone.get_default_timezone())


class _Compiler:
    def __init__(self, registry):
        self.registry = registry

    def compile(self, node, registry=None):
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

    def comparison(self, node, registry):
        kind, attr, sub = registry.resolve(node.path)
        if kind == "scalar":
            return _leaf(attr, node.op, node.value, node.path)
        if kind == "complex":
            if node.op != "pr":
                raise invalid_filter(
                    f"'{node.path}' is a complex attribute: filter on one of its sub-attributes"
                )
            return self.any_present(attr)
        # Multi-valued: some child row satisfies the comparison on a sub-attribute.
        if sub is None and node.op == "pr":
            return attr.exists()
        sub = sub or attr.default
        sub_attr = attr.registry.get(sub)
        if sub_attr is None:
            raise invalid_filter(f"Unknown attribute '{node.path}.{sub}' in filter")
        return self.exists(attr, None, sub_attr, node)

    def exists(self, multi, condition, sub_attr, node):
        """Exists(child rows matching condition and the comparison); ``ne`` negates ``eq``."""
        op = node.op
        if node.value is None and op in ("eq", "ne"):
            # "eq null": no child has the sub-attribute; "ne null": some child has it.
            leaf, negate = _present(sub_attr), op == "eq"
        elif op == "ne":
            leaf, negate = _leaf(sub_attr, "eq", node.value, node.path), True
        else:
            leaf, negate = _leaf(sub_attr, op, node.value, node.path), False
        query = multi.exists(leaf if condition is None else condition & leaf)
        return ~query if negate else query

    def value_path(self, node, registry):
        kind, attr, _ = registry.resolve(node.path)
        if kind == "scalar":
            raise invalid_filter(f"'{node.path}' is not a complex attribute")
        if kind == "complex":
            inner = self.compile(node.filter, attr)
            if node.tail is None:
                return inner
            return inner & self.comparison(node.tail, attr)
        inner = self.compile(node.filter, attr.registry)
        if node.tail is None:
            return attr.exists(inner)
        full = AttrPath(node.path.uri, node.path.name, node.tail.path.name)
        sub_attr = attr.registry.get(node.tail.path.name)
        if sub_attr is None:
            raise invalid_filter(f"Unknown attribute '{full}' in filter")
        return self.exists(attr, inner, sub_attr, Compare(full, node.tail.op, node.tail.value))

    def any_present(self, registry):
        query = _NOTHING
        for attr in registry.scalars():
            query |= _present(attr)
        return query


def _not_null(attr):
    return Q(**{f"{attr.field}__isnull": False})


def _present(attr):
    query = _not_null(attr)
    if attr.type in _STRING_TYPES:
        query &= ~Q(**{attr.field: ""})
    return query


def _leaf(attr, op, value, path):
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

    if kind in _STRING_TYPES:
        if not isinstance(value, str):
            raise invalid_filter(f"'{path}' is a string: compare it with a quoted string")
        if op in _SUBSTRING_OPS:
            lookup = _SUBSTRING_OPS[op] if attr.case_exact else "i" + _SUBSTRING_OPS[op]
            return Q(**{f"{field}__{lookup}": value}) & _not_null(attr)
        if attr.to_python is not None:
            try:
                value = attr.to_python(value)
            except (ValueError, TypeError, ValidationError):
                return _NOTHING
        if attr.case_exact or not isinstance(value, str):
            lookup = _LOOKUPS[op]
            return Q(**{f"{field}__{lookup}": value}) & _not_null(attr)
        lookup_class = Exact if op == "eq" else _ORDER_LOOKUPS[op]
        return Q(lookup_class(Lower(F(field)), Lower(Value(value)))) & _not_null(attr)

    if op in _SUBSTRING_OPS:
        raise invalid_filter(f"'{op}' is only for string attributes, '{path}' is a {kind}")

    if kind == BOOLEAN:
        if op in _ORDER_OPS:
            raise invalid_filter(f"'{op}' cannot be used on the boolean attribute '{path}'")
        if not isinstance(value, bool):
            raise invalid_filter(f"'{path}' is a boolean: compare it with true or false")
        return Q(**{field: value}) & _not_null(attr)

    if kind in (INTEGER, DECIMAL):
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise invalid_filter(f"'{path}' is a number: compare it with a number")
        if kind == INTEGER:
            if not isinstance(value, int):
                if value != value.to_integral_value():
                    raise invalid_filter(f"'{path}' is an integer")
                value = int(value)
            if not -_INT64 <= value < _INT64:
                raise invalid_filter(f"Integer value out of range for '{path}'")
        lookup = _LOOKUPS[op]
        return Q(**{f"{field}__{lookup}": value}) & _not_null(attr)

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


def compile_filter(text, registry):
    """Compile a SCIM filter string to a ``Q`` over the registry's model.

    ``None`` or a blank string means "no filter" (``Q()``).  Raises ScimError 400
    ``invalidFilter`` for anything the client got wrong.  AND the result with the tenant scope.
    """
    if text is None or (isinstance(text, str) and not text.strip()):
        return Q()
    node = parse_filter(text)
    return _Compiler(registry).compile(node)


def filter_queryset(queryset, text, registry):
    """``queryset`` (already tenant-scoped) narrowed by the SCIM filter ``text``."""
    query = compile_filter(text, registry)
    return queryset.filter(query) if query else queryset
