"""SSO URLs; the host mounts them with ``path("sso/", include("cosmo_scim.sso.urls"))``.

The callbacks are django-allauth's views under the names allauth reverses
(``openid_connect_callback``, ``saml_acs``, ``saml_finish_acs``, ``saml_metadata`` and
``saml_sls``, the single logout URL the SP metadata names), each wrapped so that a failure
is a page, never a 500 (views.py ``guarded``). A host that also includes ``allauth.urls``
lists this module first, so these names resolve here.
"""

from allauth.socialaccount.providers.openid_connect import views as oidc
from allauth.socialaccount.providers.saml import views as saml
from django.urls import path

from . import views

urlpatterns = [
    path("<str:key>/", views.start, name="cosmo_scim_sso_start"),
    path(
        "oidc/<str:provider_id>/callback/",
        views.guarded(oidc.callback),
        name="openid_connect_callback",
    ),
    path("saml/<str:organization_slug>/acs/", views.guarded(saml.acs), name="saml_acs"),
    path(
        "saml/<str:organization_slug>/acs/finish/",
        views.guarded(saml.finish_acs),
        name="saml_finish_acs",
    ),
    path("saml/<str:organization_slug>/sls/", views.guarded(saml.sls), name="saml_sls"),
    path(
        "saml/<str:organization_slug>/metadata/",
        views.guarded(saml.metadata),
        name="saml_metadata",
    ),
]
