"""Paging and sorting query parameters (RFC 7644 §3.4.2.3 and §3.4.2.4).

::

    page = parse_pagination(params, max_results=100)
    ordering = parse_sort(params, USER_ATTRIBUTES)
    rows = page.apply(filter_queryset(scoped_queryset, filter_text, USER_ATTRIBUTES)
                      .order_by(*ordering))   # startIndex for the ListResponse: page.start_index

``params`` is a QueryDict (GET) or the body of a ``.search`` request (RFC 7644 §3.4.3).
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import F, Model, QuerySet
from django.db.models.expressions import OrderBy

from . import caseless
from .errors import ScimError, invalid_value
from .filters.registry import STRING, AttributeRegistry, Scalar
from .paths import parse_attr_path

# OFFSET is a signed 64-bit integer in PostgreSQL and SQLite: keep huge startIndex values legal.
MAX_START_INDEX = 2**62
_INTEGER_RE = re.compile(r"[+-]?[0-9]{1,30}")

M = TypeVar("M", bound=Model)


def _param(params: Mapping[str, Any], name: str) -> Any:
    """``params[name]`` (last value of a QueryDict), matching the name case-insensitively;
    a blank value counts as absent."""
    value = caseless.get(params, name)
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else None
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _integer(params: Mapping[str, Any], name: str) -> int | None:
    value = _param(params, name)
    if value is None:
        return None
    if isinstance(value, bool):
        raise invalid_value(f"'{name}' must be an integer")
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not _INTEGER_RE.fullmatch(text):
        raise invalid_value(f"'{name}' must be an integer, got {str(value)[:40]!r}")
    return int(text)


@dataclass(frozen=True)
class Pagination:
    start_index: int  # 1-based, as echoed in the ListResponse's startIndex
    count: int  # how many resources at most (itemsPerPage is the number actually returned)

    @property
    def offset(self) -> int:
        return self.start_index - 1

    def apply(self, queryset: QuerySet[M]) -> list[M]:
        """The page of an *ordered* queryset (a list; empty when count is 0)."""
        if self.count == 0:
            return []
        return list(queryset[self.offset : self.offset + self.count])


def total_results(page: Pagination, returned: int, count: Callable[[], int]) -> int:
    """``totalResults``: what the page alone tells — ``returned`` resources short of a full
    page, or none at all on a first page — else ``count()``, the query counted."""
    if 0 < returned < page.count or (returned == 0 and page.offset == 0 and page.count):
        return page.offset + returned
    return count()


def parse_pagination(
    params: Mapping[str, Any], *, max_results: int, default_count: int | None = None
) -> "Pagination":
    """``startIndex``/``count`` from a QueryDict or dict.

    startIndex < 1 means 1; count < 0 means 0; count defaults to ``default_count`` (or
    ``max_results``) and is capped at ``max_results``.  Non-integers → 400 invalidValue.
    """
    start_index = _integer(params, "startIndex")
    count = _integer(params, "count")
    start_index = 1 if start_index is None else min(max(start_index, 1), MAX_START_INDEX)
    if count is None:
        count = max_results if default_count is None else default_count
    count = min(max(count, 0), max_results)
    return Pagination(start_index, count)


def parse_sort(params: Mapping[str, Any], registry: AttributeRegistry) -> list[OrderBy | str]:
    """``sortBy``/``sortOrder`` → arguments for ``order_by()``.

    Only scalar attributes of ``registry`` can be sorted on (unknown or multi-valued → 400
    invalidValue).  Case-insensitive strings sort by their fold (``caseless.Folded``).
    Missing values sort last when ascending and first when descending (RFC 7644 §3.4.2.3).
    The registry's unique tiebreaker is always appended so paging is stable; without
    ``sortBy`` it is the only ordering.
    """
    expression, descending = parse_sort_key(params, registry)
    tiebreaker = registry.tiebreaker
    if expression is None:
        return [tiebreaker]
    if descending:
        return [expression.desc(nulls_first=True), f"-{tiebreaker}"]
    return [expression.asc(nulls_last=True), tiebreaker]


def parse_sort_key(
    params: Mapping[str, Any], registry: AttributeRegistry
) -> tuple[F | caseless.Folded | None, bool]:
    """``(expression, descending)``: what ``sortBy`` sorts on (None without ``sortBy``) and
    whether ``sortOrder`` is descending; the errors of :func:`parse_sort`."""
    sort_by = _param(params, "sortBy")
    sort_order = _param(params, "sortOrder")
    descending = False
    if sort_order is not None:
        order = str(sort_order).strip().lower()
        if order not in ("ascending", "descending"):
            raise invalid_value("'sortOrder' must be 'ascending' or 'descending'")
        descending = order == "descending"
    if sort_by is None:
        return None, descending
    attr = _sort_attribute(str(sort_by).strip(), registry)
    expression: F | caseless.Folded = F(attr.field)
    if attr.type == STRING and not attr.case_exact:
        expression = caseless.Folded(expression)
    return expression, descending


def _sort_attribute(text: str, registry: AttributeRegistry) -> Scalar:
    path = parse_attr_path(text)
    if path is None:
        raise invalid_value(f"Cannot sort by '{text[:100]}'")
    try:
        kind, attr, _ = registry.resolve(path)
    except ScimError:
        raise invalid_value(f"Cannot sort by unknown attribute '{path}'") from None
    if kind != "scalar" or not isinstance(attr, Scalar):
        raise invalid_value(f"Cannot sort by '{path}': not a single-valued attribute")
    return attr
