"""The SCIM endpoints: django-scim2's views, made tenant-safe and IdP-compatible.

What we keep from django-scim2: the view classes, their URL layout and the adapter
protocol (``from_dict`` / ``save`` / ``handle_operations`` / ``delete`` / ``to_dict``).
What we replace, and why:

- authentication: an organization API key with the SCIM permission, on every endpoint
  (RFC 7644 §2; discovery too, which we advertise in ServiceProviderConfig);
- every queryset starts from the key's organization (its raw-SQL filter path filters all
  tenants first and scopes afterwards in Python, so ``or`` filters leak across tenants);
- listing counts with COUNT and pages with LIMIT/OFFSET (it iterated the whole table);
- errors: RFC 7644 §3.12 bodies with a *string* status (it sends an int, and HTML for
  405/404/500 outside its views).
"""

import json
import logging
import re
import uuid

from django.core.exceptions import RequestDataTooBig
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from django_scim import views as scim_views
from django_scim.exceptions import SCIMException

from .. import conf, keys
from ..host import host_adapter
from ..protocol import caseless
from ..protocol.errors import ScimError, invalid_syntax, invalid_value, not_found
from ..protocol.filters.query import filter_queryset
from ..protocol.pagination import Pagination, parse_pagination, parse_sort
from ..protocol.projection import project
from ..protocol.schema import discovery
from ..protocol.urns import (
    ENTERPRISE_USER_SCHEMA,
    GROUP_SCHEMA,
    LIST_RESPONSE_SCHEMA,
    SEARCH_REQUEST_SCHEMA,
    USER_SCHEMA,
)
from ..provisioning.user_count import user_count
from .group_adapter import ScimGroupAdapter, group_queryset
from .groups import GROUP_ATTRIBUTES, wants_member_display, wants_members
from .page_starts import PageStarts
from .responses import error_response, scim_response
from .user_adapter import ScimUserAdapter, user_queryset
from .users import USER_ATTRIBUTES

logger = logging.getLogger("cosmo_scim.scim")

WWW_AUTHENTICATE = 'Bearer realm="cosmo-scim"'
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def scim_base_url(request):
    return request.build_absolute_uri(reverse("scim:root")).rstrip("/")


def _request_id(request):
    """The client's X-Request-Id when it is a sane token (so IdP and server logs can be
    correlated), else a fresh one."""
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    return given if _CLIENT_REQUEST_ID.match(given) else uuid.uuid4().hex


def as_scim_error(exc):
    """django-scim2's own exceptions carry an int status; re-issue them in our format."""
    if isinstance(exc, ScimError):
        return exc
    return ScimError(exc.status, exc.detail, exc.scim_type)


class ScimView(scim_views.SCIMView):
    """Base of every endpoint under the SCIM prefix."""

    @method_decorator(csrf_exempt)
    def dispatch(self, request, *args, **kwargs):
        request.scim_request_id = _request_id(request)
        try:
            self.authenticate(request)
            if not self.implemented:
                raise ScimError(501, f"{request.path} is not supported by this service provider")
            method = request.method.lower()
            if method not in self.http_method_names or not hasattr(self, method):
                raise self.method_not_allowed(request)
            response = getattr(self, method)(request, *args, **kwargs)
        except SCIMException as exc:
            response = error_response(as_scim_error(exc))
        except RequestDataTooBig:
            response = error_response(ScimError(413, "The request body is too large"))
        except Exception:
            logger.exception("SCIM request %s failed", request.scim_request_id)
            response = error_response(
                ScimError(500, f"Internal error (request id {request.scim_request_id})")
            )
        response["X-Request-Id"] = request.scim_request_id
        return response

    def authenticate(self, request):
        try:
            api_key = keys.authenticate(request.META.get("HTTP_AUTHORIZATION"))
        except keys.KeyRejected as rejected:
            keys.log_rejection(rejected, request.META.get("REMOTE_ADDR"))
            raise ScimError(
                401, rejected.reason, headers={"WWW-Authenticate": WWW_AUTHENTICATE}
            ) from None
        if not api_key.scim:
            raise ScimError(403, "This API key does not have the SCIM permission")
        host = host_adapter()
        if not host.scim_allowed(api_key.organization):
            raise ScimError(403, host.scim_refusal(api_key.organization))
        request.scim_key = api_key
        request.scim_organization = api_key.organization

    def method_not_allowed(self, request):
        allowed = [m.upper() for m in self.http_method_names if hasattr(self, m)]
        return ScimError(
            405,
            f"{request.method} is not allowed on {request.path}",
            headers={"Allow": ", ".join(allowed)},
        )

    def load_body(self, body):
        try:
            data = json.loads(body.decode("utf-8")) if body.strip() else None
        except (UnicodeDecodeError, ValueError):
            raise invalid_syntax("The request body is not valid JSON") from None
        if not isinstance(data, dict):
            raise invalid_syntax("The request body must be a JSON object")
        return data


class NotFoundView(ScimView):
    """Unknown paths under the prefix get a SCIM 404, never Django's HTML page."""

    http_method_names = ["get", "post", "put", "patch", "delete"]

    def _not_found(self, request, *args, **kwargs):
        raise not_found(f"{request.path} is not a SCIM endpoint")

    get = post = put = patch = delete = _not_found


class NotImplementedView(ScimView):
    """/Me, /Bulk and root-level .search: optional in RFC 7644 and advertised as
    unsupported, so they answer 501 (RFC 7644 §3.11, §3.7, §3.4.3)."""

    implemented = False
    http_method_names = ["get", "post", "put", "patch", "delete"]


class ResourceListMixin:
    """Filtered, sorted, paged ListResponse over a tenant-scoped queryset.

    A fixed number of queries whatever the organization's size and the page size: the page
    with what its resources need to be rendered (past the first page, its keys chosen by a
    subquery, so a deep OFFSET walks index entries rather than joined rows), and a COUNT only
    when the page alone cannot tell ``totalResults`` (a full page, or nothing past
    startIndex). /Users replaces both for its unfiltered list (``page_of_all``).
    """

    def list_response(self, request, params):
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
        return scim_response(
            {
                "schemas": [LIST_RESPONSE_SCHEMA],
                "totalResults": total,
                "itemsPerPage": len(resources),
                "startIndex": page.start_index,
                "Resources": resources,
            }
        )

    def page_of(self, queryset, ordering, page):
        """The page's rows and totalResults, which is counted only when the page alone
        cannot tell it (a full page, or nothing past startIndex)."""
        rows = self.fetch_page(queryset, ordering, page) if page.count else []
        if 0 < len(rows) < page.count or (not rows and page.offset == 0 and page.count):
            return rows, page.offset + len(rows)
        return rows, queryset.count()

    def page_of_all(self, queryset, page):
        """The same for an unfiltered list in the default order."""
        return self.page_of(queryset, [self.filter_attributes.tiebreaker], page)

    def fetch_page(self, queryset, ordering, page):
        """The page's rows. Past the first page their keys come from a subquery (on
        PostgreSQL an index-only scan of the tenant's keys), so OFFSET skips index entries
        rather than joined rows; a first page (and every filter lookup) is one plain LIMIT."""
        queryset = queryset.order_by(*ordering)
        if page.offset == 0:
            return list(queryset[: page.count])
        keys = queryset.values("pk")[page.offset : page.offset + page.count]
        return list(queryset.filter(pk__in=keys))

    def represent(self, row, params):
        resource = self.scim_adapter(row, request=self.request).to_dict()
        return project(
            resource,
            caseless.get(params, "attributes"),
            caseless.get(params, "excludedAttributes"),
            self.core_schema,
            self.extension_schemas,
        )


class ResourceView(ResourceListMixin, ScimView):
    """/Users or /Groups and their /{id}: POST, PUT, PATCH and DELETE run django-scim2's
    flows with our adapter; reads are ours (scoped, counted, paged, projected)."""

    def get_object(self, params=None):
        """The resource named in the URL; ``params``: a read's query parameters.

        A write gets a reference (organization and SCIM id) instead: the lifecycle service
        reads the resource once, under its row lock, and decides 404 and If-Match's 412
        from that read (one write pattern for Users and Groups)."""
        scim_id = self.kwargs.get(self.lookup_url_kwarg)
        if not scim_id:
            raise self.method_not_allowed(self.request)
        if self.request.method in ("PUT", "PATCH", "DELETE"):
            model = self.scim_adapter.model
            return model(organization=self.request.scim_organization, scim_id=scim_id)
        obj = self.get_queryset(params).filter(scim_id=scim_id).first()
        if obj is None:
            raise not_found(f"{self.scim_adapter.resource_type} {scim_id} not found")
        return obj

    def patch(self, request, *args, **kwargs):
        """django-scim2's PATCH flow without its outer transaction: the lifecycle service
        owns the transaction, and an outer one only added a SAVEPOINT and its RELEASE."""
        adapter = self.scim_adapter(self.get_object(), request=request)
        operations = self.load_body(request.body).get("Operations")
        if not operations:
            raise invalid_syntax("A PATCH needs an Operations array")
        adapter.handle_operations(operations)
        return scim_response(adapter.to_dict(), headers={"Location": adapter.location})

    def get_single(self, request):
        obj = self.get_object(request.GET)
        adapter = self.scim_adapter(obj, request=request)
        if request.META.get("HTTP_IF_NONE_MATCH", "").strip() == adapter.etag:
            return scim_response(None, status=304, headers={"ETag": adapter.etag})
        return scim_response(
            self.represent(obj, request.GET),
            headers={"ETag": adapter.etag, "Location": adapter.location},
        )

    def get_many(self, request):
        return self.list_response(request, request.GET)

    def post(self, request, *args, **kwargs):
        if kwargs.get(self.lookup_url_kwarg):
            raise self.method_not_allowed(request)
        return super().post(request, *args, **kwargs)

    def delete(self, request, *args, **kwargs):
        super().delete(request, *args, **kwargs)
        return scim_response(None, status=204)


class SearchView(ResourceListMixin, ScimView):
    """POST /{resource}/.search (RFC 7644 §3.4.3): the query travels in the body."""

    def post(self, request, *args, **kwargs):
        body = self.load_body(request.body)
        declared = body.get("schemas")
        if not isinstance(declared, list) or SEARCH_REQUEST_SCHEMA not in declared:
            raise invalid_value(f"schemas must be [{SEARCH_REQUEST_SCHEMA!r}]")
        return self.list_response(request, body)


class UserResourceMixin:
    scim_adapter_getter = staticmethod(lambda: ScimUserAdapter)
    model_cls_getter = staticmethod(lambda: ScimUserAdapter.model)
    filter_attributes = USER_ATTRIBUTES
    core_schema = USER_SCHEMA
    extension_schemas = (ENTERPRISE_USER_SCHEMA,)

    def get_queryset(self, params=None):
        return user_queryset(self.request.scim_organization)

    def page_of_all(self, queryset, page):
        """Okta's import pages through the whole list: totalResults is the organization's
        ScimUserCount, and a page past the first is sought from where an earlier request
        saw it start (page_starts) rather than walked to with OFFSET."""
        organization = self.request.scim_organization
        count = user_count(organization)
        if count is None:  # a database without the counting triggers
            return super().page_of_all(queryset, page)
        if not page.count or page.offset >= count.users:
            return [], count.users
        starts = PageStarts(organization.pk, count.changes)
        bound = starts.bound(page.offset) if page.offset else None
        if page.offset == 0:
            rows = self.fetch_page(queryset, ["pk"], page)
        elif bound is not None:
            rows = list(queryset.filter(pk__gt=bound).order_by("pk")[: page.count])
        else:
            # One row more, the one before the page: it is the page's bound.
            with_bound = Pagination(page.start_index - 1, page.count + 1)
            rows = self.fetch_page(queryset, ["pk"], with_bound)
            if not rows:  # users deleted since they were counted
                return [], count.users
            bound, rows = rows[0].pk, rows[1:]
        bounds = {page.offset: bound} if page.offset else {}
        if rows:
            bounds[page.offset + len(rows)] = rows[-1].pk
        starts.remember(bounds)
        return rows, count.users


class UsersView(UserResourceMixin, ResourceView, scim_views.UsersView):
    """/Users and /Users/{id}."""


class UserSearchView(UserResourceMixin, SearchView, scim_views.UserSearchView):
    """POST /Users/.search."""


class GroupResourceMixin:
    scim_adapter_getter = staticmethod(lambda: ScimGroupAdapter)
    model_cls_getter = staticmethod(lambda: ScimGroupAdapter.model)
    filter_attributes = GROUP_ATTRIBUTES
    core_schema = GROUP_SCHEMA
    extension_schemas = ()

    def get_queryset(self, params=None):
        """``params``: a read's query parameters; members are read only when their
        projection keeps them (groups.wants_members)."""
        with_members = params is None or self.members_wanted(params)
        return group_queryset(self.request.scim_organization, with_members=with_members)

    def members_wanted(self, params):
        """Decided once per request (a read has one set of parameters), not per group."""
        if not hasattr(self, "_members_wanted"):
            attributes = caseless.get(params, "attributes")
            excluded = caseless.get(params, "excludedAttributes")
            self._members_wanted = wants_members(attributes, excluded)
        return self._members_wanted

    def represent(self, row, params):
        attributes = caseless.get(params, "attributes")
        resource = self.scim_adapter(row, request=self.request).to_dict(
            member_display=wants_member_display(attributes),
            with_members=self.members_wanted(params),
        )
        excluded = caseless.get(params, "excludedAttributes")
        return project(resource, attributes, excluded, self.core_schema, self.extension_schemas)


class GroupsView(GroupResourceMixin, ResourceView, scim_views.GroupsView):
    """/Groups and /Groups/{id} (Okta group push, Entra group provisioning). Writes lock
    the group once, in the group lifecycle's transaction, where If-Match is checked against
    the version the write will change: two writes carrying the same version cannot both
    pass (RFC 7644 §3.14)."""


class GroupSearchView(GroupResourceMixin, SearchView, scim_views.GroupSearchView):
    """POST /Groups/.search."""


class ServiceProviderConfigView(ScimView, scim_views.ServiceProviderConfigView):
    def get(self, request, *args, **kwargs):
        return scim_response(
            discovery.service_provider_config(
                scim_base_url(request),
                max_results=conf.get("MAX_RESULTS"),
                sort=True,
                etag=True,
            )
        )


class ResourceTypesView(ScimView, scim_views.ResourceTypesView):
    def get(self, request, uuid=None, *args, **kwargs):
        base = scim_base_url(request)
        if uuid:
            return scim_response(discovery.get_resource_type(uuid, base))
        return scim_response(discovery.resource_types_list_response(base))


class SchemasView(ScimView, scim_views.SchemasView):
    def get(self, request, uuid=None, *args, **kwargs):
        base = scim_base_url(request)
        if uuid:
            return scim_response(discovery.get_schema(uuid, base))
        return scim_response(discovery.schemas_list_response(base))
