"""The SCIM filter grammar (RFC 7644 §3.4.2.2): text → AST, nothing else.

One small recursive-descent parser, for both uses of the language: ``?filter=`` queries
(compiled to SQL by :mod:`.query`) and the value filters of PATCH paths such as
``emails[type eq "work"]`` (evaluated in Python by :mod:`.evaluate`). It handles
URN-prefixed attributes, value paths with a trailing sub-attribute, ``not (...)``, numbers and
JSON string escapes; attribute paths are read by :func:`cosmo_scim.protocol.paths.parse_attr_path`.
Every error is a 400 ``invalidFilter`` naming where the text went wrong.

The AST: :class:`Compare` (``path op value``; ``pr`` has no value), :class:`ValuePath`
(``emails[...]`` with an optional ``.value op x`` tail), :class:`And`, :class:`Or`,
:class:`Not`. Literals are ``str``, ``bool``, ``None``, ``int`` or ``Decimal``.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeAlias, cast

from ..errors import ScimError, invalid_filter
from ..limits import unstorable
from ..paths import AttrPath, parse_attr_path

# Guards against filters built to exhaust the server.
MAX_FILTER_LENGTH = 8192
MAX_NESTING = 32
MAX_TERMS = 200

COMPARE_OPS = frozenset({"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"})
_LITERALS = {"true": True, "false": False, "null": None}
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


# A literal of the grammar: JSON's, with numbers as int or Decimal (None: null, or ``pr``).
LiteralValue: TypeAlias = str | bool | int | Decimal | None


@dataclass(frozen=True)
class Compare:
    path: AttrPath
    op: str  # eq ne co sw ew gt ge lt le pr
    value: LiteralValue = None


@dataclass(frozen=True)
class ValuePath:
    """``emails[type eq "work"]`` optionally followed by ``.value eq "x"`` (``tail``)."""

    path: AttrPath
    filter: "Node"
    tail: Compare | None = None


@dataclass(frozen=True)
class And:
    left: "Node"
    right: "Node"


@dataclass(frozen=True)
class Or:
    left: "Node"
    right: "Node"


@dataclass(frozen=True)
class Not:
    operand: "Node"


# A node of the AST.
Node: TypeAlias = Compare | ValuePath | And | Or | Not


@dataclass(frozen=True)
class _Token:
    kind: str  # string ( ) [ ] word end
    text: str
    pos: int


def _tokenize(text: str) -> list[_Token]:
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
            tokens.append(_Token(value if kind == "punct" else cast(str, kind), value, pos))
        pos = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


class _Parser:
    """Recursive descent over RFC 7644's filter grammar.

    FILTER    = orExp ; orExp = andExp *("or" andExp) ; andExp = unary *("and" unary)
    unary     = "not" "(" FILTER ")" / "(" FILTER ")" / attrExp / valuePath
    valuePath = attrPath "[" FILTER "]" [ "." subAttr compareOp compValue / "pr" ]

    ``in_brackets``: parsing the inside of a value path, where another one cannot start
    (RFC 7644 §3.4.2.2 ``valFilter`` holds attribute expressions, not value paths).
    """

    def __init__(self, text: str, in_brackets: bool = False) -> None:
        self.tokens = _tokenize(text)
        self.index = 0
        self.depth = 0
        self.terms = 0
        self.in_brackets = in_brackets

    def peek(self, offset: int = 0) -> _Token:
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def advance(self) -> _Token:
        token = self.peek()
        self.index += 1
        return token

    def is_keyword(self, token: _Token, word: str) -> bool:
        return token.kind == "word" and token.text.lower() == word

    def expect(self, kind: str, what: str) -> _Token:
        token = self.peek()
        if token.kind != kind:
            raise self.error(f"expected {what}")
        return self.advance()

    def error(self, message: str, token: _Token | None = None) -> ScimError:
        token = token or self.peek()
        found = "end of filter" if token.kind == "end" else repr(token.text)
        return invalid_filter(
            f"Invalid filter: {message}, found {found} at position {token.pos + 1}"
        )

    def parse(self) -> Node:
        node = self.or_expr()
        if self.peek().kind != "end":
            raise self.error("expected 'and', 'or' or end of filter")
        return node

    def or_expr(self) -> Node:
        return self.chain("or", self.and_expr, Or)

    def and_expr(self) -> Node:
        return self.chain("and", self.unary, And)

    def chain(self, keyword: str, operand: Callable[[], Node], node_class: type[And | Or]) -> Node:
        """``operand *(keyword operand)``, left-associative: ``or`` and ``and`` alike."""
        node = operand()
        while self.is_keyword(self.peek(), keyword):
            self.advance()
            node = node_class(node, operand())
        return node

    def unary(self) -> Node:
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

    def group(self) -> Node:
        self.expect("(", "'('")
        node = self.or_expr()
        self.expect(")", "')'")
        return node

    def attr_path(self) -> AttrPath:
        token = self.peek()
        if token.kind != "word":
            raise self.error("expected an attribute name")
        path = parse_attr_path(token.text)
        if path is None:
            raise self.error("invalid attribute name")
        self.advance()
        return path

    def attr_expr(self) -> Node:
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
            sub = parse_attr_path(token.text[1:])
            if sub is None or not sub.is_name:
                raise self.error("invalid sub-attribute name")
            self.advance()
            return ValuePath(path, inner, self.comparison(sub))
        return ValuePath(path, inner)

    def comparison(self, path: AttrPath) -> Compare:
        token = self.peek()
        op = token.text.lower() if token.kind == "word" else ""
        if op == "pr":
            self.advance()
            return Compare(path, "pr")
        if op not in COMPARE_OPS:
            raise self.error(f"expected an operator after '{path}'")
        self.advance()
        return Compare(path, op, self.comp_value())

    def comp_value(self) -> LiteralValue:
        token = self.peek()
        if token.kind == "string":
            try:
                value: str = json.loads(token.text, strict=False)
            except ValueError:
                raise self.error("invalid string") from None
            problem = unstorable(value)
            if problem is not None:  # an escape such as \u0000 or a lone \ud800
                raise self.error(f"the string contains {problem}")
            self.advance()
            return value
        if token.kind == "word":
            lowered = token.text.lower()
            if lowered in _LITERALS:
                self.advance()
                return _LITERALS[lowered]
            match = _NUMBER_RE.fullmatch(token.text)
            if match is not None:
                self.advance()
                if match["frac"] or match["exp"]:
                    return Decimal(token.text)
                return int(token.text)
        raise self.error("expected a value (string, number, true, false or null)")


def _parse(text: object, in_brackets: bool) -> Node:
    if not isinstance(text, str):
        raise invalid_filter("Invalid filter: not a string")
    if len(text) > MAX_FILTER_LENGTH:
        raise invalid_filter(f"Invalid filter: longer than {MAX_FILTER_LENGTH} characters")
    if not text.strip():
        raise invalid_filter("Invalid filter: empty")
    try:
        return _Parser(text, in_brackets).parse()
    except ScimError:
        raise
    except (ValueError, TypeError, ArithmeticError, RecursionError) as exc:
        raise invalid_filter(f"Invalid filter: {exc}") from None


def parse_filter(text: object) -> Node:
    """Parse a filter into an AST (Compare / ValuePath / And / Or / Not); ScimError 400 if bad."""
    return _parse(text, in_brackets=False)


def parse_value_filter(text: object) -> Node:
    """Parse the ``valFilter`` between the brackets of a PATCH value path (RFC 7644 §3.5.2):
    the same grammar, without value paths of its own."""
    return _parse(text, in_brackets=True)
