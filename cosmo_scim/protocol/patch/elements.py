"""The values of a multi-valued attribute as PATCH changes them: which two designate the same
value (so an add merges instead of duplicating), and the single ``primary`` rule.

Comparisons follow each sub-attribute's ``caseExact`` (RFC 7643 §2.3.1, §7).
"""

import copy

from .. import caseless
from ..schema.resolve import find_sub_attribute


def is_unassigned(value):
    """RFC 7643 §2.5: null, empty array and empty object all mean 'unassigned'."""
    return value is None or value == [] or value == {}


def _scalar_equal(defn, left, right):
    if isinstance(left, str) and isinstance(right, str) and not defn.get("caseExact", False):
        return left.casefold() == right.casefold()
    return left == right


def equal(defn, current, value):
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
    left_value, right_value = caseless.get(left, "value"), caseless.get(right, "value")
    if value_sub and left_value is not None and right_value is not None:
        if not _scalar_equal(value_sub, left_value, right_value):
            return False
        type_sub = find_sub_attribute(attr, "type")
        left_type, right_type = caseless.get(left, "type"), caseless.get(right, "type")
        if type_sub and left_type is not None and right_type is not None:
            return _scalar_equal(type_sub, left_type, right_type)
        return True
    return left == right


class ElementIndex:
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
            value = caseless.get(element, "value") if isinstance(element, dict) else None
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


def merge_elements(attr, current, new):
    """Add ``new`` values to ``current`` without duplicates; a value already present is
    updated with the sub-attributes sent (so re-adding an email with ``primary: true`` makes
    it primary). Returns the merged list and the elements written."""
    merged = [copy.deepcopy(e) for e in current]
    index = ElementIndex(attr, merged)
    written = []
    for element in new:
        existing = index.find(element)
        if existing is None:
            merged.append(element)
            index.add(element)
            written.append(element)
        elif isinstance(existing, dict):
            for name, item in element.items():
                caseless.put(existing, name, item)
            written.append(existing)
    return merged, written


def enforce_single_primary(attr, elements, written):
    """RFC 7643 §2.4: "The primary attribute value 'true' MUST appear no more than once."

    The element just written with ``primary: true`` wins (setting a new primary email clears
    the others); otherwise the first primary is kept.
    """
    if attr["type"] != "complex" or not find_sub_attribute(attr, "primary"):
        return
    primaries = [e for e in elements if isinstance(e, dict) and caseless.get(e, "primary") is True]
    if len(primaries) <= 1:
        return
    chosen = [e for e in written if caseless.get(e, "primary") is True]
    winner = chosen[-1] if chosen else primaries[0]
    for element in primaries:
        if element is not winner:
            caseless.put(element, "primary", False)
