"""The SCIM endpoints by resource: /Users and /Groups (with their searches), and the
discovery documents (RFC 7644 §4). The shared machinery is in base.py (dispatch,
authentication, errors) and listing.py (lists, reads, the write flows).
"""

import json
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django_scim import views as scim_views

from .. import conf
from ..models import ScimGroup, ScimUser
from ..protocol.documents import JsonObject
from ..protocol.pagination import Pagination
from ..protocol.projection import project
from ..protocol.schema import discovery
from ..protocol.urns import (
    ENTERPRISE_USER_SCHEMA,
    GROUP_SCHEMA,
    USER_SCHEMA,
)
from ..provisioning.user_count import UNFOLDED, USERS, count_columns, fold_if_due, user_count
from .base import ScimView, scim_base_url
from .group_adapter import ScimGroupAdapter, group_queryset
from .groups import GROUP_ATTRIBUTES, wants_member_display, wants_members
from .listing import ResourceListMixin, ResourceView, SearchView
from .page_starts import PageStarts
from .responses import scim_response
from .tenant_scope import among, ordered
from .user_adapter import ScimUserAdapter, UserRow, user_queryset, user_rows
from .user_attributes import USER_ATTRIBUTES
from .user_by_id import read_user


class UserResourceMixin(ResourceListMixin):
    scim_adapter_getter = staticmethod(lambda: ScimUserAdapter)
    model_cls_getter = staticmethod(lambda: ScimUserAdapter.model)
    filter_attributes = USER_ATTRIBUTES
    core_schema = USER_SCHEMA
    extension_schemas = (ENTERPRISE_USER_SCHEMA,)

    rows = staticmethod(user_rows)

    def get_queryset(
        self, params: Mapping[str, Any] | None = None
    ) -> QuerySet[ScimUser, dict[str, Any]]:
        return user_queryset(self.request.scim_organization)

    def read_one(self, scim_id: str, params: Any) -> UserRow | None:
        return read_user(self.request.scim_organization, scim_id)

    def page_of_all(self, queryset: QuerySet[Any], page: Pagination) -> tuple[list[Any], int]:
        """Okta's import pages through the whole list: totalResults is the organization's
        ScimUserCount, and a page past the first is sought from where an earlier request
        saw it start (page_starts) rather than walked to with OFFSET."""
        organization = self.request.scim_organization
        if page.offset == 0 and page.count:
            return self.first_page_of_all(queryset, page)
        count = user_count(organization)
        if count is None:  # a database without the counting triggers
            return super().page_of_all(queryset, page)
        if not page.count or page.offset >= count.users:
            return [], count.users
        starts = PageStarts(organization.pk, count.changes)
        bound = starts.bound(page.offset)
        if bound is not None:
            # The keys from the tenant's index alone, then their rows: a seek on the
            # primary key would read every other tenant's row past the bound.
            keys = ordered(queryset.filter(pk__gt=bound), "pk").values("pk")[: page.count]
            rows = self.rows(ordered(among(queryset, keys), "pk"))
        else:
            # One row more, the one before the page: it is the page's bound.
            with_bound = Pagination(page.start_index - 1, page.count + 1)
            rows = self.fetch_page(queryset, ["pk"], with_bound)
            if not rows:  # users deleted since they were counted
                return [], count.users
            bound, rows = rows[0].pk, rows[1:]
        bounds = {page.offset: bound}
        if rows:
            bounds[page.offset + len(rows)] = rows[-1].pk
        starts.remember(bounds)
        return rows, count.users

    def first_page_of_all(
        self, queryset: QuerySet[ScimUser, dict[str, Any]], page: Pagination
    ) -> tuple[list[UserRow], int]:
        """The first page and the organization's ScimUserCount in one statement: it is what
        connection tests and health probes read over and over. It remembers no page start:
        that would save the next page a walk of one page of the tenant's index, less than
        the write costs."""
        organization = self.request.scim_organization
        columns = count_columns(organization)
        if columns is None:  # a database without the counting triggers
            return super().page_of_all(queryset, page)
        rows = self.fetch_page(queryset.annotate(**columns), ["pk"], page)
        if not rows:  # read with the count: the organization has no user
            return [], 0
        fold_if_due(organization, getattr(rows[0], UNFOLDED))
        # A sum: numeric on PostgreSQL, whatever the column's type.
        return rows, int(getattr(rows[0], USERS))


class UsersView(UserResourceMixin, ResourceView, scim_views.UsersView):
    """/Users and /Users/{id}."""


class UserSearchView(UserResourceMixin, SearchView, scim_views.UserSearchView):
    """POST /Users/.search."""


class GroupResourceMixin(ResourceListMixin):
    scim_adapter_getter = staticmethod(lambda: ScimGroupAdapter)
    model_cls_getter = staticmethod(lambda: ScimGroupAdapter.model)
    filter_attributes = GROUP_ATTRIBUTES
    core_schema = GROUP_SCHEMA
    extension_schemas = ()
    scim_adapter: type[ScimGroupAdapter]

    def get_queryset(self, params: Mapping[str, Any] | None = None) -> QuerySet[ScimGroup]:
        """``params``: a read's query parameters; members are read only when their
        projection keeps them (groups.wants_members)."""
        with_members = params is None or self.members_wanted(params)
        return group_queryset(self.request.scim_organization, with_members=with_members)

    def members_wanted(self, params: Mapping[str, Any]) -> bool:
        """Whether the projection keeps the members (groups.wants_members)."""
        return wants_members(*self.projection(params))

    def represent(self, row: ScimGroup, params: Mapping[str, Any]) -> JsonObject:
        attributes, excluded = self.projection(params)
        resource = self.scim_adapter(row, request=self.request).to_dict(
            member_display=wants_member_display(attributes),
            with_members=wants_members(attributes, excluded),
        )
        return project(resource, attributes, excluded, self.core_schema, self.extension_schemas)


class GroupsView(GroupResourceMixin, ResourceView, scim_views.GroupsView):
    """/Groups and /Groups/{id} (Okta group push, Entra group provisioning). Writes lock
    the group once, in the group lifecycle's transaction, where If-Match is checked against
    the version the write will change: two writes carrying the same version cannot both
    pass (RFC 7644 §3.14)."""


class GroupSearchView(GroupResourceMixin, SearchView, scim_views.GroupSearchView):
    """POST /Groups/.search."""


@lru_cache(maxsize=16)
def _service_provider_config(base_url: str, max_results: int) -> bytes:
    """The document, encoded once for each base URL a process serves: it is what an IdP's
    connection test and health probe ask for, and it changes only with the settings."""
    document = discovery.service_provider_config(
        base_url, max_results=max_results, sort=True, etag=True
    )
    return json.dumps(document).encode()


class ServiceProviderConfigView(ScimView, scim_views.ServiceProviderConfigView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return scim_response(
            _service_provider_config(scim_base_url(request), conf.get("MAX_RESULTS"))
        )


class _DiscoveryCollectionView(ScimView):
    """``/<collection>`` lists the documents (``every(base_url)``), ``/<collection>/<id>``
    is one of them (``one(id, base_url)``, which raises a 404 for an unknown id)."""

    one: Callable[[str, str], JsonObject]
    every: Callable[[str], JsonObject]

    def get(
        self, request: HttpRequest, uuid: str | None = None, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        base_url = scim_base_url(request)
        return scim_response(self.one(uuid, base_url) if uuid else self.every(base_url))


class ResourceTypesView(_DiscoveryCollectionView, scim_views.ResourceTypesView):
    one = staticmethod(discovery.get_resource_type)
    every = staticmethod(discovery.resource_types_list_response)


class SchemasView(_DiscoveryCollectionView, scim_views.SchemasView):
    one = staticmethod(discovery.get_schema)
    every = staticmethod(discovery.schemas_list_response)
