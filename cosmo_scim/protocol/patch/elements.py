"""The values of a multi-valued attribute as PATCH changes them: which two designate the same
value (so an add merges instead of duplicating), and the single ``primary`` rule.

Comparisons follow each sub-attribute's ``caseExact`` (RFC 7643 §2.3.1, §7), without case by
the one caseless rule (:func:`..caseless.fold`).
"""

from collections.abc import Iterable
from typing import Any

from .. import caseless
from ..documents import Definition, JsonObject
from ..schema.resolve import find_sub_attribute


def is_unassigned(value: object) -> bool:
    """RFC 7643 §2.5: null, empty array and empty object all mean 'unassigned'."""
    return value is None or value == [] or value == {}


def _scalar_equal(defn: Definition, left: object, right: object) -> bool:
    if isinstance(left, str) and isinstance(right, str) and not defn.get("caseExact", False):
        return caseless.fold(left) == caseless.fold(right)
    return left == right


def equal(defn: Definition, current: object, value: object) -> bool:
    """Loose equality of a stored value and a sent one (case per caseExact)."""
    if defn["type"] == "complex" or defn["multiValued"]:
        return current == value
    return _scalar_equal(defn, current, value)


def _same_element(attr: Definition, left: object, right: object) -> bool:
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
    every element. Elements without a usable value are compared one by one.

    The PATCH engine keeps one index per attribute for the whole request and updates it as
    operations add and remove values, so a request of many operations on a large attribute
    (Entra sends one member per operation) costs each operation its own size, not the
    attribute's."""

    def __init__(self, attr: Definition, elements: Iterable[Any]) -> None:
        self.attr = attr
        value_sub = find_sub_attribute(attr, "value") if attr["type"] == "complex" else attr
        self.case_exact = bool(value_sub and value_sub.get("caseExact", False))
        self.keyed: dict[str, list[Any]] = {}
        self.rest: list[Any] = []
        for element in elements:
            self.add(element)

    def _key(self, element: Any) -> str | None:
        value = element
        if self.attr["type"] == "complex":
            value = caseless.get(element, "value") if isinstance(element, dict) else None
        if isinstance(value, str):
            return value if self.case_exact else caseless.fold(value)
        return None

    def _bucket(self, element: Any) -> list[Any]:
        key = self._key(element)
        return self.rest if key is None else self.keyed.get(key, [])

    def add(self, element: Any) -> None:
        key = self._key(element)
        if key is None:
            self.rest.append(element)
        else:
            self.keyed.setdefault(key, []).append(element)

    def find(self, element: Any) -> Any:
        """The first indexed element that designates the same value as ``element``."""
        found = (e for e in self._bucket(element) if _same_element(self.attr, e, element))
        return next(found, None)

    def find_all(self, element: Any) -> list[Any]:
        """Every indexed element that designates the same value as ``element``."""
        return [e for e in self._bucket(element) if _same_element(self.attr, e, element)]

    def candidates(self, element: Any) -> list[Any]:
        """The indexed elements that may designate ``element``'s value (same key)."""
        return list(self._bucket(element))

    def discard(self, element: Any) -> None:
        """Forget ``element`` itself (by identity)."""
        bucket = self._bucket(element)
        for position, item in enumerate(bucket):
            if item is element:
                del bucket[position]
                return


class _Working:
    def __init__(self, container: JsonObject, attr: Definition, elements: list[Any]) -> None:
        self.container = container
        self.attr = attr
        self.elements = elements
        self.index = ElementIndex(attr, elements)
        self.gone: set[int] = set()  # ids of elements removed but still in ``elements``


class WorkingLists:
    """The multi-valued attributes one PATCH request is changing, each with its
    :class:`ElementIndex` and the elements removed from it but not yet from its list.

    Removing a member from a 10,000-member list means rebuilding the list; Entra removes
    one member per operation, so a request of a thousand removals would rebuild it a
    thousand times. Here removals are recorded and the list is rebuilt once, when something
    other than an indexed add or removal reads it (:meth:`settle`) or the request ends.
    Entries are keyed by (container, attribute name) and valid while the container holds
    the same list object (held here, so its identity cannot be reused)."""

    def __init__(self) -> None:
        self._entries: dict[tuple[int, str], _Working] = {}

    def _entry(self, container: JsonObject, attr: Definition, elements: list[Any]) -> _Working:
        key = (id(container), attr["name"])
        entry = self._entries.get(key)
        if entry is None or entry.elements is not elements:
            entry = self._entries[key] = _Working(container, attr, elements)
        return entry

    def index(self, container: JsonObject, attr: Definition, elements: list[Any]) -> ElementIndex:
        """The ElementIndex of ``elements``, the list ``container`` holds for ``attr``."""
        return self._entry(container, attr, elements).index

    def live_count(self, container: JsonObject, attr: Definition, elements: list[Any]) -> int:
        return len(elements) - len(self._entry(container, attr, elements).gone)

    def remove(
        self, container: JsonObject, attr: Definition, elements: list[Any], doomed: Iterable[Any]
    ) -> None:
        """Remove the elements ``doomed`` (identities) from ``elements``, lazily."""
        entry = self._entry(container, attr, elements)
        for element in doomed:
            if id(element) not in entry.gone:
                entry.index.discard(element)
                entry.gone.add(id(element))

    def settle(self, container: JsonObject, attr: Definition) -> None:
        """Apply the pending removals to the list ``container`` holds for ``attr`` (an empty
        list is dropped: unassigned, RFC 7643 §2.5), before it is read as a whole."""
        entry = self._entries.get((id(container), attr["name"]))
        if entry is None or not entry.gone:
            return
        if caseless.get(container, attr["name"]) is entry.elements:
            gone = entry.gone
            entry.elements[:] = [e for e in entry.elements if id(e) not in gone]
            if not entry.elements:
                caseless.drop(container, attr["name"])
        entry.gone = set()

    def forget(self, container: JsonObject, attr: Definition) -> None:
        """The list's values are about to change in place: its index no longer holds."""
        self.settle(container, attr)
        self._entries.pop((id(container), attr["name"]), None)

    def settle_all(self) -> None:
        for entry in list(self._entries.values()):
            self.settle(entry.container, entry.attr)


def merge_elements(
    attr: Definition, merged: list[Any], new: Iterable[Any], index: ElementIndex
) -> list[Any]:
    """Add ``new`` values to the list ``merged`` (in place; ``index`` is its ElementIndex)
    without duplicates; a value already present is updated with the sub-attributes sent (so
    re-adding an email with ``primary: true`` makes it primary). Returns the elements
    written."""
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
    return written


def enforce_single_primary(
    attr: Definition, elements: Iterable[Any], written: Iterable[Any]
) -> None:
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
