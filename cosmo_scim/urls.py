"""SCIM 2.0 URLs; the host mounts them with ``path("scim/v2/", include("cosmo_scim.urls"))``.

django-scim2's layout, with an optional trailing slash (some IdP configurations add one,
and Django's APPEND_SLASH redirect would answer HTML) and a SCIM 404 for anything else.
The namespace is django-scim2's ``scim`` so its adapters reverse their own URL names.

Endpoint names match in any case (``/users``, ``/GROUPS``, ``/serviceproviderconfig``):
RFC 7644 §3.2 names the endpoints but never says clients spell them exactly, and
Microsoft's SCIM test collection builds lower-case URLs (docs/idp-dialects.md, "Compliance
checkers"). Reversing a name still gives the canonical spelling, so ``Location`` and
``meta.location`` stay ``/Users/{id}`` whatever the request said.
"""

import re
from collections.abc import Callable

from django.http import HttpResponse
from django.urls import URLPattern
from django.urls.resolvers import RegexPattern
from django.utils.functional import cached_property

from .scim import base, root_search, views

app_name = "scim"


class CaselessPattern(RegexPattern):
    """A regex route matched case-insensitively. ``reverse()`` reads the pattern text, not
    the compiled flags, so it keeps producing the canonical spelling."""

    @cached_property
    def regex(self) -> re.Pattern[str]:  # type: ignore[override]  # a descriptor in Django
        return re.compile(self._regex, re.IGNORECASE)  # type: ignore[attr-defined]


def caseless(regex: str, view: Callable[..., HttpResponse], name: str | None = None) -> URLPattern:
    return URLPattern(CaselessPattern(regex, name=name, is_endpoint=True), view, name=name)


urlpatterns = [
    caseless(r"^$", root_search.RootQueryView.as_view(), name="root"),
    caseless(r"^\.search/?$", root_search.RootSearchView.as_view(), name="search"),
    caseless(r"^Users/\.search/?$", views.UserSearchView.as_view(), name="users-search"),
    caseless(r"^Users(?:/(?P<uuid>[^/]+))?/?$", views.UsersView.as_view(), name="users"),
    caseless(r"^Groups/\.search/?$", views.GroupSearchView.as_view(), name="groups-search"),
    caseless(r"^Groups(?:/(?P<uuid>[^/]+))?/?$", views.GroupsView.as_view(), name="groups"),
    caseless(
        r"^ServiceProviderConfig/?$",
        views.ServiceProviderConfigView.as_view(),
        name="service-provider-config",
    ),
    caseless(
        r"^ResourceTypes(?:/(?P<uuid>[^/]+))?/?$",
        views.ResourceTypesView.as_view(),
        name="resource-types",
    ),
    caseless(r"^Schemas(?:/(?P<uuid>[^/]+))?/?$", views.SchemasView.as_view(), name="schemas"),
    caseless(r"^(?:Bulk|Me)/?$", base.NotImplementedView.as_view()),
    caseless(r"^.*$", base.NotFoundView.as_view(), name="not-found"),
]
