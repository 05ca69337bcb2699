"""PATCH's mutability rules (RFC 7644 §3.5.2): no operation may modify a readOnly attribute,
and an immutable one may only be given a value while it has none. The PATCH engine
(patcher.py) asks these before it changes anything.
"""

from typing import Any

from .. import caseless
from ..errors import mutability
from ..schema.resolve import AttributeRef
from .elements import equal


def refuse_read_only(ref: AttributeRef, definition: dict[str, Any]) -> None:
    """The one readOnly refusal: ``definition`` (the attribute ``ref`` targets, or its
    sub-attribute) is readOnly."""
    if definition["mutability"] == "readOnly":
        raise mutability(f"{ref.canonical_path} is readOnly")


def check_attribute(op: str, ref: AttributeRef, current: Any, value: Any) -> bool:
    """May ``op`` give the attribute ``ref`` (now ``current``) the value ``value``?

    Returns True when the operation is a no-op to skip: writing a readOnly attribute with
    the value it already has. Okta's group rename sends the group's own ``id`` next to
    the new ``displayName`` (docs/idp-dialects.md); a different id is refused.
    """
    attr, sub = ref.attr, ref.sub
    rewrites_itself = op != "remove" and sub is None and value is not None
    if attr["mutability"] == "readOnly" and rewrites_itself and equal(attr, current, value):
        return True
    refuse_read_only(ref, attr)
    if sub is not None:
        elements = current if isinstance(current, list) else [current]
        check_sub(op, ref, [e for e in elements if e])
    if (
        attr["mutability"] == "immutable"
        and current is not None
        and (op == "remove" or not equal(attr, current, value))
    ):
        raise mutability(f"{ref.canonical_path} is immutable")
    return False


def check_sub(op: str, ref: AttributeRef, elements: list[Any]) -> None:
    """A sub-attribute targeted by path: readOnly never, immutable only while unset in
    ``elements``."""
    sub = ref.sub
    assert sub is not None  # a sub-attribute's path
    refuse_read_only(ref, sub)
    if sub["mutability"] == "immutable" and any(
        isinstance(e, dict) and caseless.get(e, sub["name"]) is not None for e in elements
    ):
        # RFC 7644 §3.5.2: "a client MAY 'add' a value to an 'immutable' attribute if
        # the attribute had no previous value" — and no other change.
        raise mutability(f"{ref.canonical_path} is immutable")


def check_element(attr: dict[str, Any], element: dict[str, Any], new: Any) -> None:
    """Replacing a matched element must not change its immutable sub-attributes
    (``members[value eq "x"]`` replaced by ``{"value": "y"}`` would rewrite a member id).
    ``new`` None: the element is removed whole, which is allowed (RFC 7644 §3.5.2.2 member
    removal)."""
    if new is None:
        return
    new = new if isinstance(new, dict) else {}
    for sub in attr.get("subAttributes", ()):
        if sub["mutability"] != "immutable":
            continue
        old_value, new_value = caseless.get(element, sub["name"]), caseless.get(new, sub["name"])
        if old_value is not None and new_value is not None and old_value != new_value:
            raise mutability(f"{attr['name']}.{sub['name']} is immutable")
