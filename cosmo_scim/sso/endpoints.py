"""The URLs an organization pastes into its IdP, and the one people sign in at.

Built from ``PUBLIC_BASE_URL`` (conf.public_base_url), never from a request's Host header:
the admin and ``configure_sso`` show the same values whoever asks. The product must answer
at that address (the IdP redirects there, and SAML's Destination and Recipient are checked
against the address the response arrived at).
"""

from django.urls import NoReverseMatch, reverse

from .. import conf
from ..models import SsoConnection

# The allauth provider id of a connection: ``cosmo-sso-<key>`` (sso/social_apps.py).
PROVIDER_PREFIX = "cosmo-sso-"


def _absolute(name: str, **kwargs: str) -> str:
    return conf.public_base_url() + reverse(name, kwargs=kwargs)


def login_url(connection: SsoConnection) -> str:
    """Where a person starts signing in (also Okta's "Initiate login URI")."""
    return _absolute("cosmo_scim_sso_start", key=connection.key)


def redirect_uri(connection: SsoConnection) -> str:
    """OIDC: the redirect URI (callback) to register with the IdP."""
    return _absolute("openid_connect_callback", provider_id=PROVIDER_PREFIX + connection.key)


def acs_url(connection: SsoConnection) -> str:
    """SAML: the Assertion Consumer Service URL (Okta's "Single sign-on URL", Entra's
    "Reply URL")."""
    return _absolute("saml_acs", organization_slug=connection.key)


def saml_metadata_url(connection: SsoConnection) -> str:
    return _absolute("saml_metadata", organization_slug=connection.key)


def saml_entity_id(connection: SsoConnection) -> str:
    """SAML: the SP entity id (Okta's "Audience URI", Entra's "Identifier"): the metadata
    URL, as SAML 2.0 metadata §4.1 suggests."""
    return saml_metadata_url(connection)


def for_connection(connection: SsoConnection) -> list[tuple[str, str]]:
    """The ``(name, value)`` pairs ``configure_sso`` prints and the admin shows. Empty when
    the host has not mounted ``cosmo_scim.sso.urls`` (then nobody can sign in yet)."""
    try:
        pairs = [("login_url", login_url(connection))]
        if connection.protocol == "oidc":
            return [*pairs, ("redirect_uri", redirect_uri(connection))]
        return [
            *pairs,
            ("acs_url", acs_url(connection)),
            ("entity_id", saml_entity_id(connection)),
            ("metadata_url", saml_metadata_url(connection)),
        ]
    except NoReverseMatch:
        return []
