"""Helpers of the Django-level SSO tests: members provisioned over SCIM, connections, and a
sign-in as an IdP's validated answer would make it (the protocols themselves are tested
against real IdPs in this folder's end-to-end tests)."""

from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from scimkit import ScimClient

from cosmo_scim.models import SsoConnection
from cosmo_scim.sso import client_secrets
from cosmo_scim.sso.linking import Assertion, sign_in


def provision(client, key, user_name, **attrs):
    """A member provisioned through the organization's SCIM key, as its IdP would."""
    return ScimClient(client, key).create_user(user_name, **attrs)


def connection(organization, protocol="oidc", name=None, **fields):
    values = {
        "issuer": "https://idp.example/",
        "client_id": "client",
        "secret_encrypted": client_secrets.seal("client-secret"),
    }
    if protocol == "saml":
        values = {"metadata_url": "https://idp.example/metadata"}
    values.update(fields)
    return SsoConnection.objects.create(
        organization=organization, name=name or f"{organization} IdP", protocol=protocol, **values
    )


def browser_request(session=None):
    """A request with a real (database) session, as a browser's callback would carry."""
    request = RequestFactory().get("/sso/callback/", REMOTE_ADDR="127.0.0.1")
    request.session = session or SessionStore()
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    return request


def sso_sign_in(conn, subject, email="", request=None, **kwargs):
    request = request or browser_request()
    scim_user = sign_in(request, Assertion(conn, subject, email), **kwargs)
    request.session.save()
    return request, scim_user


def account(email):
    return get_user_model()._default_manager.get(**{get_user_model().EMAIL_FIELD: email})
