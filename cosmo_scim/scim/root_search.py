"""Queries at the server root (RFC 7644 §3.4.2, §3.4.3): ``POST /.search`` with a
SearchRequest body, and ``GET /`` with the same parameters in the query string — one query
over every resource type, Users and Groups.

Each resource type is read the way its own ``/{type}/.search`` reads it — the same
tenant-scoped queryset, filter registry and representation, taken from that endpoint's view
(:data:`RESOURCE_TYPES`) — so the root search has no rule of its own about who sees what or
how a resource looks. What it adds is the merge:

- the filter is parsed once and compiled for each type; an attribute one type does not
  define is absent there, one that no type defines is ``invalidFilter``
  (:func:`~cosmo_scim.protocol.filters.query.filter_querysets`). ``meta.resourceType``,
  which tells the types apart, can be filtered and sorted on here;
- the result is one ordered sequence: without ``sortBy``, the Users then the Groups, each
  in creation order; with ``sortBy``, by that attribute across both types (a type without
  it sorts as missing values do, RFC 7644 §3.4.2.3), then type and creation order. The
  database merges them (``UNION ALL`` of (type, sort key, pk)), so ``startIndex``/``count``
  page through that sequence deterministically, one page query whatever the depth;
- the page's resources are then read and rendered by their own type, with
  ``attributes``/``excludedAttributes`` applied to each (a path is refused only when no
  type has that attribute) (``schemas`` and
  ``meta.resourceType`` tell the client which is which).
"""

from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

from django.db.models import F, IntegerField, QuerySet, TextField, Value
from django.http import HttpRequest, HttpResponse

from .. import conf
from ..protocol import caseless
from ..protocol.documents import JsonObject
from ..protocol.envelopes import list_response
from ..protocol.errors import ScimError
from ..protocol.filters.query import filter_querysets
from ..protocol.filters.registry import Scalar
from ..protocol.pagination import (
    Pagination,
    parse_pagination,
    parse_sort_key,
    total_results,
)
from ..protocol.projection import check_paths_across
from ..protocol.schema.resolve import resource_schema
from .base import ScimView
from .listing import SearchRequestMixin, SearchView
from .responses import scim_response
from .views import GroupSearchView, UserSearchView

#: The resource types a root search covers, in the order of ``/ResourceTypes``: each
#: type's own search view supplies its queryset, registry and representation.
RESOURCE_TYPES = (UserSearchView, GroupSearchView)

#: The annotation that holds a row's resource type name (``meta.resourceType``).
RESOURCE_TYPE_FIELD = "scim_resource_type"

# A resource of the merged sequence: the index of its type in RESOURCE_TYPES, and its pk.
PageKey: TypeAlias = tuple[int, int]


class RootQueryMixin:
    """The query, whichever way its parameters came."""

    def query(self, request: HttpRequest, params: Mapping[str, Any]) -> HttpResponse:
        types = [self.type_view(view_class, request) for view_class in RESOURCE_TYPES]
        check_paths_across(
            caseless.get(params, "attributes"),
            caseless.get(params, "excludedAttributes"),
            [resource_schema(view.scim_adapter.resource_type) for view in types],
        )
        page = parse_pagination(params, max_results=conf.get("MAX_RESULTS"))
        matching = filter_querysets(
            [(typed(view, view.get_queryset(params)), view.filter_attributes) for view in types],
            caseless.get(params, "filter"),
        )
        keys = self.page_keys(types, matching, params, page) if page.count else []
        resources = self.render(types, matching, keys, params)
        total = total_results(page, len(keys), lambda: sum(qs.count() for qs in matching))
        return scim_response(list_response(resources, total, page.start_index))

    @staticmethod
    def type_view(view_class: type[SearchView], request: HttpRequest) -> SearchView:
        """The resource type's own search view, for this (authenticated) request, whose
        registry also knows ``meta.resourceType`` (:func:`typed`)."""
        view = view_class()
        view.setup(request)
        view.filter_attributes = view.filter_attributes.extended(
            {"meta.resourceType": Scalar(RESOURCE_TYPE_FIELD)}
        )
        return view

    def page_keys(
        self,
        types: Sequence[SearchView],
        matching: Sequence[QuerySet[Any]],
        params: Mapping[str, Any],
        page: Pagination,
    ) -> list[PageKey]:
        """``(type index, pk)`` of the page's resources, in the merged order."""
        expressions, descending = sort_keys(types, matching, params)
        parts = [
            queryset.prefetch_related(None)
            .order_by()
            .annotate(_type=Value(index, output_field=IntegerField()), _key=expression)
            .values_list("_type", "_key", "pk")
            for index, (queryset, expression) in enumerate(zip(matching, expressions, strict=True))
        ]
        merged = parts[0].union(*parts[1:], all=True)
        key = F("_key").desc(nulls_first=True) if descending else F("_key").asc(nulls_last=True)
        rows = merged.order_by(key, "_type", "pk")[page.offset : page.offset + page.count]
        return [(type_index, pk) for type_index, _, pk in rows]

    @staticmethod
    def render(
        types: Sequence[SearchView],
        matching: Sequence[QuerySet[Any]],
        keys: list[PageKey],
        params: Mapping[str, Any],
    ) -> list[JsonObject]:
        """The resources of ``keys``, each read and represented by its type, in order."""
        rendered: dict[PageKey, JsonObject] = {}
        for index, (view, queryset) in enumerate(zip(types, matching, strict=True)):
            pks = [pk for type_index, pk in keys if type_index == index]
            if pks:
                for row in view.rows(queryset.filter(pk__in=pks)):
                    rendered[index, row.pk] = view.represent(row, params)
        return [rendered[key] for key in keys if key in rendered]


class RootSearchView(SearchRequestMixin, RootQueryMixin, ScimView):
    """``POST /.search``."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.query(request, self.search_request(request))


class RootQueryView(RootQueryMixin, ScimView):
    """``GET /`` (the SCIM base URL itself) with ``filter``, ``startIndex``… in the URL."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.query(request, request.GET)


def typed(view: SearchView, queryset: QuerySet[Any]) -> QuerySet[Any]:
    """``queryset`` with each row's resource type as a column, for ``meta.resourceType``."""
    name = view.scim_adapter.resource_type
    return queryset.annotate(**{RESOURCE_TYPE_FIELD: Value(name, output_field=TextField())})


def sort_keys(
    types: Sequence[SearchView], matching: Sequence[QuerySet[Any]], params: Mapping[str, Any]
) -> tuple[list[F | caseless.Folded | Value], bool]:
    """The ``sortBy`` expression of each type — a typed NULL where the type has no such
    attribute, which sorts as a missing value — and whether the order is descending. An
    attribute no type can sort on is the error a single type gives."""
    expressions: list[F | caseless.Folded | None] = []
    errors: list[ScimError] = []
    descending = False
    for view in types:
        try:
            expression, descending = parse_sort_key(params, view.filter_attributes)
        except ScimError as error:
            errors.append(error)
            expression = None
        expressions.append(expression)
    if len(errors) == len(types):
        raise errors[0]
    given = [(e, q) for e, q in zip(expressions, matching, strict=True) if e is not None]
    if given:
        expression, queryset = given[0]
        output_field = expression.resolve_expression(queryset.query).output_field
    else:  # no sortBy: every key is NULL, the order is type then creation
        output_field = IntegerField()
    missing = Value(None, output_field=output_field)
    return [missing if e is None else e for e in expressions], descending
