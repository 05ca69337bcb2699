"""SSO URLs; the host mounts them with ``path("sso/", include("cosmo_scim.sso.urls"))``.

The callbacks are django-allauth's views under the names allauth reverses
(``openid_connect_callback``, ``saml_acs``, ``saml_finish_acs``, ``saml_metadata`` and
``saml_sls``, the single logout URL the SP metadata names), each wrapped so that a failure
is a page, never a 500 (views.py ``guarded``); single logout acts only on a signed message
for a session its connection signed in (views.py ``single_logout``). A host that also
includes ``allauth.urls`` lists this module first, so these names resolve here.

Keys and provider ids are matched as word characters, dots and hyphens (``key``): a made-up
one with a NUL, which PostgreSQL cannot compare with a text column, is a 404 before any
query.
"""

from allauth.socialaccount.providers.openid_connect import views as oidc
from allauth.socialaccount.providers.saml import views as saml
from django.urls import path, register_converter

from . import views


class KeyConverter:
    """A connection key (hex) or an allauth provider id (``cosmo-sso-<key>``)."""

    regex = r"[-.\w]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(KeyConverter, "key")

urlpatterns = [
    path("<key:key>/", views.start, name="cosmo_scim_sso_start"),
    path(
        "oidc/<key:provider_id>/callback/",
        views.guarded(oidc.callback),
        name="openid_connect_callback",
    ),
    path("saml/<key:organization_slug>/acs/", views.guarded(saml.acs), name="saml_acs"),
    path(
        "saml/<key:organization_slug>/acs/finish/",
        views.guarded(saml.finish_acs),
        name="saml_finish_acs",
    ),
    path(
        "saml/<key:organization_slug>/sls/",
        views.guarded(views.single_logout(saml.sls)),
        name="saml_sls",
    ),
    path(
        "saml/<key:organization_slug>/metadata/",
        views.guarded(saml.metadata),
        name="saml_metadata",
    ),
]
