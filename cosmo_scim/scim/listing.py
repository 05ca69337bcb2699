"""Resource endpoints on top of django-scim2's flows: lists and searches (scoped to the
key's organization, filtered, sorted, counted, paged, projected), single reads with
ETags, and the write flows that hand the resource's reference to the adapters.
"""

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django.db.models import Count, QuerySet, Window
from django.db.models.expressions import OrderBy
from django.http import HttpRequest, HttpResponse

from .. import conf
from ..protocol import caseless, limits
from ..protocol.documents import JsonObject
from ..protocol.envelopes import list_response
from ..protocol.errors import invalid_syntax, invalid_value, not_found
from ..protocol.filters.query import filter_queryset
from ..protocol.filters.registry import AttributeRegistry
from ..protocol.pagination import Pagination, parse_pagination, parse_sort, total_results
from ..protocol.patch.operations import check_request
from ..protocol.projection import check_paths, project
from ..protocol.schema.resolve import resource_schema
from ..protocol.urns import SEARCH_REQUEST_SCHEMA
from .base import ScimView
from .request import ScimRequest
from .responses import scim_response
from .tenant_scope import among, ordered

if TYPE_CHECKING:
    from .group_adapter import ScimGroupAdapter
    from .user_adapter import ScimUserAdapter

# The annotation that carries the number of matching rows on each row of a page.
TOTAL = "scim_matching_rows"


class ResourceListMixin:
    """Filtered, sorted, paged ListResponse over a tenant-scoped queryset.

    A fixed number of queries whatever the organization's size and the page size: the page
    with what its resources need to be rendered, and ``totalResults`` counted by the same
    read of the matching rows (``counted_page``). /Users replaces both for its unfiltered
    list (``page_of_all``).
    """

    # Given by the resource's view (views.py) and django-scim2's (declared for the type
    # checker).
    request: ScimRequest
    scim_adapter: "type[ScimUserAdapter] | type[ScimGroupAdapter]"
    filter_attributes: AttributeRegistry
    core_schema: str
    extension_schemas: tuple[str, ...]
    get_queryset: Callable[..., QuerySet[Any]]
    _projection: tuple[object, object]

    def list_response(self, request: HttpRequest, params: Mapping[str, Any]) -> HttpResponse:
        self.check_projection(params)
        page = parse_pagination(params, max_results=conf.get("MAX_RESULTS"))
        ordering = parse_sort(params, self.filter_attributes)
        everything = self.get_queryset(params)
        queryset = filter_queryset(
            everything, caseless.get(params, "filter"), self.filter_attributes
        )
        if queryset is everything and ordering == [self.filter_attributes.tiebreaker]:
            rows, total = self.page_of_all(queryset, page)
        else:
            rows, total = self.page_of(queryset, ordering, page)
        resources = [self.represent(row, params) for row in rows]
        return scim_response(list_response(resources, total, page.start_index))

    def page_of(
        self, queryset: QuerySet[Any], ordering: list[OrderBy | str], page: Pagination
    ) -> tuple[list[Any], int]:
        """The page's rows and totalResults: the window's number, else (no row carried it)
        what the empty page tells or the query counted apart (``total_results``)."""
        rows, total = self.counted_page(queryset, ordering, page) if page.count else ([], None)
        if total is None:
            total = total_results(page, len(rows), queryset.count)
        return rows, total

    def page_of_all(self, queryset: QuerySet[Any], page: Pagination) -> tuple[list[Any], int]:
        """The same for an unfiltered list in the default order."""
        return self.page_of(queryset, [self.filter_attributes.tiebreaker], page)

    def counted_page(
        self, queryset: QuerySet[Any], ordering: list[OrderBy | str], page: Pagination
    ) -> tuple[list[Any], int | None]:
        """The page's rows and the number of matching rows (None without a row to carry it).

        The number is a window over the matching rows (``COUNT(pk) OVER ()``) in the
        statement that reads the page: the rows are read once, where a page and then a
        COUNT read them twice — the whole tenant twice for a filter no index serves
        (``co``, ``ew``). A first page is one statement; past it, the keys (and the number)
        come from the tenant's index first, so OFFSET skips index entries rather than
        joined rows, then their rows by key. The order is the tenant's own
        (tenant_scope.ordered): never a walk of the table."""
        counted = ordered(queryset, *ordering).annotate(**{TOTAL: Window(Count("pk"))})
        if page.offset == 0:
            rows = self.rows(counted[: page.count])
            return rows, getattr(rows[0], TOTAL) if rows else None
        keys = list(counted.values_list("pk", TOTAL)[page.offset : page.offset + page.count])
        if not keys:
            return [], None
        by_key = ordered(queryset.filter(pk__in=[pk for pk, _ in keys]), *ordering)
        return self.rows(by_key), keys[0][1]

    def fetch_page(
        self, queryset: QuerySet[Any], ordering: list[OrderBy | str], page: Pagination
    ) -> list[Any]:
        """The page's rows without their number (/Users' unfiltered list counts its users
        apart). Past the first page their keys come from a subquery (on PostgreSQL an
        index-only scan of the tenant's keys), so OFFSET skips index entries rather than
        joined rows."""
        queryset = ordered(queryset, *ordering)
        if page.offset == 0:
            return self.rows(queryset[: page.count])
        keys = queryset.values("pk")[page.offset : page.offset + page.count]
        return self.rows(among(queryset, keys))

    def rows(self, queryset: QuerySet[Any, Any]) -> list[Any]:
        """What ``queryset`` (of :meth:`get_queryset`) reads, as the adapter represents it:
        its model instances here (a resource type whose reads are values overrides it)."""
        return list(queryset)

    def check_projection(self, params: Mapping[str, Any]) -> None:
        """``attributes`` / ``excludedAttributes`` name attributes of this resource type,
        or the request is refused before anything is read (protocol/projection.py)."""
        check_paths(
            caseless.get(params, "attributes"),
            caseless.get(params, "excludedAttributes"),
            resource_schema(self.scim_adapter.resource_type),
        )

    def projection(self, params: Mapping[str, Any]) -> tuple[object, object]:
        """``attributes`` and ``excludedAttributes``, looked up once per request (a read has
        one set of parameters), not once per resource of its page."""
        if not hasattr(self, "_projection"):
            self._projection = (
                caseless.get(params, "attributes"),
                caseless.get(params, "excludedAttributes"),
            )
        return self._projection

    def represent(self, row: Any, params: Mapping[str, Any]) -> JsonObject:
        resource = self.scim_adapter(row, request=self.request).to_dict()
        attributes, excluded = self.projection(params)
        return project(resource, attributes, excluded, self.core_schema, self.extension_schemas)


class ResourceView(ResourceListMixin, ScimView):
    """/Users or /Groups and their /{id}: POST, PUT, PATCH and DELETE run django-scim2's
    flows with our adapter; reads are ours (scoped, counted, paged, projected)."""

    def get_object(self, params: Mapping[str, Any] | None = None) -> Any:
        """The resource named in the URL; ``params``: a read's query parameters.

        A write gets a reference (organization and SCIM id) instead: the lifecycle service
        reads the resource once, under its row lock, and decides 404 and If-Match's 412
        from that read (one write pattern for Users and Groups)."""
        scim_id = self.kwargs.get(self.lookup_url_kwarg)
        if not scim_id:
            raise self.method_not_allowed(self.request)
        if self.request.method in ("PUT", "PATCH", "DELETE"):
            model = self.scim_adapter.model
            # The host's organization model (django-stubs types the foreign key by the demo
            # project's).
            organization: Any = self.request.scim_organization
            return model(organization=organization, scim_id=scim_id)
        found = self.read_one(scim_id, params)
        if found is None:
            raise not_found(f"{self.scim_adapter.resource_type} {scim_id} not found")
        return found

    def read_one(self, scim_id: str, params: Any) -> Any:
        """The resource ``scim_id`` of the key's organization, as :meth:`rows` gives it, or
        None. ``scim_id`` is unique: at most one row, with no ORDER BY or LIMIT."""
        found = self.rows(self.get_queryset(params).filter(scim_id=scim_id))
        return found[0] if found else None

    def patch(self, request: ScimRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """django-scim2's PATCH flow without its outer transaction: the lifecycle service
        owns the transaction, and an outer one only added a SAVEPOINT and its RELEASE."""
        adapter = self.scim_adapter(self.get_object(), request=request)
        operations = caseless.get(self.load_body(request.body), "Operations")
        if not operations:
            raise invalid_syntax("A PATCH needs an Operations array")
        limits.check_operations(operations)
        check_request(operations, resource_schema(self.scim_adapter.resource_type))
        adapter.handle_operations(operations)
        return scim_response(adapter.to_dict(), headers={"Location": adapter.location})

    def get_single(self, request: ScimRequest) -> HttpResponse:
        self.check_projection(request.GET)
        obj = self.get_object(request.GET)
        adapter = self.scim_adapter(obj, request=request)
        if request.META.get("HTTP_IF_NONE_MATCH", "").strip() == adapter.etag:
            return scim_response(None, status=304, headers={"ETag": adapter.etag})
        return scim_response(
            self.represent(obj, request.GET),
            headers={"ETag": adapter.etag, "Location": adapter.location},
        )

    def get_many(self, request: ScimRequest) -> HttpResponse:
        return self.list_response(request, request.GET)

    def post(self, request: ScimRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if kwargs.get(self.lookup_url_kwarg):
            raise self.method_not_allowed(request)
        return super().post(request, *args, **kwargs)

    def delete(self, request: ScimRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        super().delete(request, *args, **kwargs)
        return scim_response(None, status=204)


class SearchRequestMixin:
    """What every ``.search`` reads: a SearchRequest body (RFC 7644 §3.4.3)."""

    load_body: Callable[[bytes], JsonObject]  # ScimView's

    def search_request(self, request: HttpRequest) -> JsonObject:
        body = self.load_body(request.body)
        declared = body.get("schemas")
        if not isinstance(declared, list) or SEARCH_REQUEST_SCHEMA not in declared:
            raise invalid_value(f"schemas must be [{SEARCH_REQUEST_SCHEMA!r}]")
        return body


class SearchView(SearchRequestMixin, ResourceListMixin, ScimView):
    """POST /{resource}/.search (RFC 7644 §3.4.3): the query travels in the body."""

    def post(self, request: ScimRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.list_response(request, self.search_request(request))
