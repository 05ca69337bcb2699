"""SCIM 2.0 URLs; the host mounts them with ``path("scim/v2/", include("cosmo_scim.urls"))``.

django-scim2's layout, with an optional trailing slash (some IdP configurations add one,
and Django's APPEND_SLASH redirect would answer HTML) and a SCIM 404 for anything else.
The namespace is django-scim2's ``scim`` so its adapters reverse their own URL names.
"""

from django.urls import re_path

from .scim import base, views

app_name = "scim"

urlpatterns = [
    re_path(r"^$", base.NotFoundView.as_view(), name="root"),
    re_path(r"^Users/\.search/?$", views.UserSearchView.as_view(), name="users-search"),
    re_path(r"^Users(?:/(?P<uuid>[^/]+))?/?$", views.UsersView.as_view(), name="users"),
    re_path(r"^Groups/\.search/?$", views.GroupSearchView.as_view(), name="groups-search"),
    re_path(r"^Groups(?:/(?P<uuid>[^/]+))?/?$", views.GroupsView.as_view(), name="groups"),
    re_path(
        r"^ServiceProviderConfig/?$",
        views.ServiceProviderConfigView.as_view(),
        name="service-provider-config",
    ),
    re_path(
        r"^ResourceTypes(?:/(?P<uuid>[^/]+))?/?$",
        views.ResourceTypesView.as_view(),
        name="resource-types",
    ),
    re_path(r"^Schemas(?:/(?P<uuid>[^/]+))?/?$", views.SchemasView.as_view(), name="schemas"),
    re_path(r"^(?:\.search|Bulk|Me)/?$", base.NotImplementedView.as_view()),
    re_path(r"^.*$", base.NotFoundView.as_view(), name="not-found"),
]
