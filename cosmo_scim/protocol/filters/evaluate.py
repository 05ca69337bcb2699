"""Value filters evaluated in Python: which elements of a multi-valued attribute a PATCH path
such as ``emails[type eq "work"]`` or ``members[value eq "id"]`` addresses.

The filter is read by the one grammar (:func:`.syntax.parse_value_filter`); here its AST is
evaluated against each element of the resource's current representation. Attribute names
inside the brackets are sub-attributes of that attribute (RFC 7644 §3.5.2 ``valFilter``);
string comparison honours each sub-attribute's ``caseExact`` (RFC 7644 §3.4.2.2), by the one
caseless rule (:func:`..caseless.fold`) the same filter compiled to SQL follows.
"""

from decimal import Decimal
from typing import Any, cast

from .. import caseless
from ..documents import Definition, JsonObject
from ..errors import invalid_filter
from ..schema.resolve import find_sub_attribute
from .syntax import And, Compare, Node, Not, Or, parse_value_filter

_NUMBER = int | float | Decimal


class ValueFilter:
    """A parsed value filter, evaluated against the elements of one multi-valued attribute.

    ``template`` is the element the filter describes when it is a plain conjunction of ``eq``
    terms (``type eq "work"`` → ``{"type": "work"}``), else None.
    """

    def __init__(self, text: str, attr: Definition) -> None:
        self.text = text
        self.tree = parse_value_filter(text)
        self._subs: dict[Node, Definition] = {}
        self._bind(self.tree, attr)
        self.template = self._template(self.tree)

    def _bind(self, node: Node, attr: Definition) -> None:
        """Resolve every name to its sub-attribute definition; invalidFilter if one is not."""
        if isinstance(node, And | Or):
            self._bind(node.left, attr)
            self._bind(node.right, attr)
        elif isinstance(node, Not):
            self._bind(node.operand, attr)
        else:
            sub = find_sub_attribute(attr, node.path.name) if node.path.is_name else None
            if sub is None:
                raise invalid_filter(f"{attr['name']} has no sub-attribute {str(node.path)!r}")
            self._subs[node] = sub

    def matches(self, element: object) -> bool:
        return isinstance(element, dict) and self._evaluate(self.tree, element)

    def _evaluate(self, node: Node, element: JsonObject) -> bool:
        if isinstance(node, And):
            return self._evaluate(node.left, element) and self._evaluate(node.right, element)
        if isinstance(node, Or):
            return self._evaluate(node.left, element) or self._evaluate(node.right, element)
        if isinstance(node, Not):
            return not self._evaluate(node.operand, element)
        # Inside brackets the grammar has no value paths: what is left is a comparison.
        node = cast(Compare, node)
        sub = self._subs[node]
        actual = caseless.get(element, sub["name"])
        if node.op == "pr":
            return actual not in (None, "", [], {})
        return _compare(actual, node.op, node.value, sub.get("caseExact", False))

    def _template(self, node: Node) -> JsonObject | None:
        if isinstance(node, Compare) and node.op == "eq" and node.value is not None:
            # The element joins a JSON representation: a decimal literal is a JSON number.
            value = float(node.value) if isinstance(node.value, Decimal) else node.value
            return {self._subs[node]["name"]: value}
        if isinstance(node, And):
            left, right = self._template(node.left), self._template(node.right)
            if left is not None and right is not None and not set(left) & set(right):
                return {**left, **right}
        return None


def _compare(actual: Any, operator: str, expected: Any, case_exact: bool) -> bool:
    """``actual operator expected`` for one element's value; values of different JSON types
    are never equal (so only ``ne`` holds), null equals only null."""
    if actual is None or expected is None:
        same = actual is None and expected is None
        return same if operator == "eq" else (not same if operator == "ne" else False)
    if isinstance(actual, str) and isinstance(expected, str):
        if not case_exact:
            actual, expected = caseless.fold(actual), caseless.fold(expected)
    elif isinstance(actual, bool) or isinstance(expected, bool):
        if not (isinstance(actual, bool) and isinstance(expected, bool)):
            return operator == "ne"
        if operator not in ("eq", "ne"):
            return False
    elif not (isinstance(actual, _NUMBER) and isinstance(expected, _NUMBER)):
        return operator == "ne"
    if operator == "eq":
        return bool(actual == expected)
    if operator == "ne":
        return bool(actual != expected)
    if operator in ("co", "sw", "ew"):
        if not isinstance(actual, str):
            return False
        if operator == "co":
            return expected in actual
        return actual.startswith(expected) if operator == "sw" else actual.endswith(expected)
    ordered: dict[str, bool] = {
        "gt": actual > expected,
        "ge": actual >= expected,
        "lt": actual < expected,
        "le": actual <= expected,
    }
    return ordered[operator]
