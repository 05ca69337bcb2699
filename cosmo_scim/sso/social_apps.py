"""SSO connections as django-allauth apps: OpenID Connect and SAML, configured strictly.

Every protocol check is django-allauth's (and, for SAML, python3-saml's); cosmo_scim only
configures them and adds the two allauth does not make:

- **OIDC**: allauth checks ``state``, runs PKCE (S256) when told to, and checks the ID
  token's ``iss``, ``aud`` and ``exp`` (PyJWT). It sends no ``nonce``: the provider here adds
  one to each authorization request and keeps it in allauth's state, and the sign-in
  compares it with the ID token's (sso/assertions.py; OpenID Connect Core §3.1.2.1, §15.5.2).
- **SAML**: python3-saml in strict mode refuses an unsigned response (a signed response or a
  signed assertion is required), SHA-1 signatures and digests (``rejectDeprecatedAlgorithm``),
  a wrong audience, recipient or destination, and an assertion outside its validity window;
  allauth matches ``InResponseTo`` with the request it stashed and refuses IdP-initiated
  responses unless the connection allows them. The provider here also hands the assertion's
  ID and ``NotOnOrAfter`` on, for the replay cache (sso/assertions.py).

Apps are never saved (``SocialApp.secret`` is a plaintext column): they are built per
request from ``SsoConnection`` rows, the secret decrypted in memory (client_secrets.py), as
allauth does for apps configured in settings.
"""

from typing import Any

from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.saml.provider import SAMLProvider
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from onelogin.saml2.constants import OneLogin_Saml2_Constants

from ..models import SsoConnection
from . import client_secrets, endpoints, metadata
from .linking import Refused

PREFIX = endpoints.PROVIDER_PREFIX

# Where IdPs put the email in a SAML assertion: the LDAP ``mail`` OID (SAML2 attribute
# profiles), Entra's and ADFS's claim URI, and the plain names Okta's attribute statements
# use.
SAML_EMAIL_ATTRIBUTES = [
    "urn:oid:0.9.2342.19200300.100.1.3",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    "email",
    "mail",
]


def connection_key(provider_id: str | None) -> str | None:
    """The connection key a provider id (``cosmo-sso-<key>``) names, or None."""
    if provider_id and provider_id.startswith(PREFIX):
        return provider_id[len(PREFIX) :]
    return None


def _no_subject(connection: SsoConnection, name: str) -> Refused:
    return Refused(
        "no_subject",
        f"{connection.name} did not say who you are ({name} is missing). Ask your "
        "administrator to check the connection's identifying claim.",
        f"the response has no {name}",
    )


class ConnectionOIDCProvider(OpenIDConnectProvider):
    """allauth's OpenID Connect provider, plus a ``nonce`` and the connection's claim."""

    def redirect(
        self,
        request: HttpRequest,
        process: str,
        next_url: str | None = None,
        data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> HttpResponse:
        from django.utils.crypto import get_random_string

        nonce = get_random_string(32)
        auth_params = kwargs.pop("auth_params", None) or self.get_auth_params()
        # After any request-supplied parameters, so a link cannot choose the nonce.
        auth_params["nonce"] = nonce
        return super().redirect(
            request, process, next_url, data, auth_params=auth_params, nonce=nonce, **kwargs
        )

    def extract_uid(self, data: dict[str, Any]) -> str:
        connection = self.app.cosmo_connection
        name = connection.subject_claim or "sub"
        value = claims_of(data).get(name)
        if value in (None, ""):
            raise _no_subject(connection, f"the claim {name!r}")
        return str(value)


def claims_of(data: dict[str, Any]) -> dict[str, Any]:
    """The ID token's claims over the userinfo response's: the ID token is what allauth
    checked (iss, aud, exp); userinfo adds what the token left out (OIDC Core §5.3.2)."""
    return {**(data.get("userinfo") or {}), **(data.get("id_token") or {})}


class ConnectionSAMLProvider(SAMLProvider):
    """allauth's SAML provider, identifying the person by the NameID or the connection's
    attribute, and keeping what the replay cache needs."""

    def extract_uid(self, auth: Any) -> str:
        connection = self.app.cosmo_connection
        if connection.subject_claim:
            values = auth.get_attribute(connection.subject_claim) or []
            value = values[0] if values else ""
            name = f"the attribute {connection.subject_claim!r}"
        else:
            value, name = auth.get_nameid(), "the NameID"
        if not value:
            raise _no_subject(connection, name)
        return value

    def extract_extra_data(self, auth: Any) -> dict[str, Any]:
        return {
            "attributes": auth.get_attributes(),
            "name_id": auth.get_nameid(),
            "assertion_id": auth.get_last_assertion_id(),
            "not_on_or_after": auth.get_last_assertion_not_on_or_after(),
        }


def _idp(connection: SsoConnection) -> dict[str, Any]:
    if connection.metadata_url:
        # allauth fetches (and caches) the metadata; entity_id None takes its only IdP.
        return {"metadata_url": connection.metadata_url, "entity_id": None}
    return metadata.idp_from_xml(connection.metadata_xml)


def _saml_settings(connection: SsoConnection) -> dict[str, Any]:
    mapping = {"email": SAML_EMAIL_ATTRIBUTES}
    if connection.subject_claim:
        mapping["uid"] = [connection.subject_claim]
    return {
        "idp": _idp(connection),
        "sp": {"entity_id": endpoints.saml_entity_id(connection)},
        "attribute_mapping": mapping,
        "advanced": {
            "strict": True,
            "reject_deprecated_algorithm": True,
            "digest_algorithm": OneLogin_Saml2_Constants.SHA256,
            "signature_algorithm": OneLogin_Saml2_Constants.RSA_SHA256,
            "reject_idp_initiated_sso": not connection.allow_idp_initiated,
            "want_name_id": not connection.subject_claim,
            # Okta and Entra send no attribute statement unless one is configured.
            "want_attribute_statement": False,
        },
    }


def social_app(connection: SsoConnection) -> SocialApp:
    """The unsaved allauth app of ``connection``."""
    if connection.protocol == SsoConnection.Protocol.OIDC:
        app = SocialApp(
            provider=OpenIDConnectProvider.id,
            provider_id=PREFIX + connection.key,
            name=connection.name,
            client_id=connection.client_id,
            secret=client_secrets.unseal(connection.secret_encrypted),
            settings={"server_url": connection.issuer, "oauth_pkce_enabled": True},
        )
        provider_class = ConnectionOIDCProvider
    else:
        app = SocialApp(
            provider=SAMLProvider.id,
            provider_id=PREFIX + connection.key,
            name=connection.name,
            # allauth's SAML URLs name the app by client_id ("organization_slug").
            client_id=connection.key,
            settings=_saml_settings(connection),
        )
        provider_class = ConnectionSAMLProvider
    app.cosmo_connection = connection
    # allauth's SAML views ask the app for its provider; an unsaved app answers with ours.
    app.get_provider = lambda request: provider_class(request=request, app=app)
    return app


def connections_for(
    provider: str | None = None, client_id: str | None = None
) -> QuerySet[SsoConnection]:
    """Enabled connections an allauth lookup (provider or provider id, client id) names."""
    connections = SsoConnection.objects.enabled().select_related("organization")
    key = connection_key(provider)
    if key is not None:
        connections = connections.filter(key=key)
    elif provider == SAMLProvider.id:
        connections = connections.filter(protocol=SsoConnection.Protocol.SAML)
        if client_id:
            connections = connections.filter(key=client_id)
    elif provider == OpenIDConnectProvider.id:
        connections = connections.filter(protocol=SsoConnection.Protocol.OIDC)
        if client_id:
            connections = connections.filter(client_id=client_id)
    elif provider is not None:
        return SsoConnection.objects.none()
    return connections
