"""cosmo_scim's django-allauth social account adapter: the connections as apps, and the
sign-in taken over before allauth would look up, create or connect an account.

The host names it in ``SOCIALACCOUNT_ADAPTER = "cosmo_scim.sso.adapter.SsoAccountAdapter"``.
A host that already runs allauth makes its own adapter a subclass of this one (and calls
``super()`` in any of these methods it overrides): its own apps, from the database or
settings, keep working, and cosmo_scim's appear beside them. For an app of a connection,
allauth does the protocol (redirect, state, PKCE, token or response validation) and then
calls :meth:`pre_social_login`, where cosmo_scim decides who it is (sso/linking.py) and
answers, so allauth never saves a SocialAccount, signs anyone up or pairs by email.
"""

import logging
from typing import Any

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp, SocialLogin
from django.http import HttpRequest

from ..models import SsoConnection
from . import client_secrets, social_apps, views

logger = logging.getLogger(__name__)


def _connection_of(provider: Any) -> SsoConnection | None:
    app = getattr(provider, "app", None)
    return getattr(app, "cosmo_connection", None)


class SsoAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(
        self, request: HttpRequest, provider: str | None = None, client_id: str | None = None
    ) -> list[SocialApp]:
        apps = super().list_apps(request, provider=provider, client_id=client_id)
        for connection in social_apps.connections_for(provider, client_id):
            try:
                apps.append(social_apps.social_app(connection))
            except client_secrets.SecretUnreadable:
                logger.warning("SSO connection %s: its client secret is unreadable", connection.pk)
        return apps

    def get_provider(
        self, request: HttpRequest, provider: str, client_id: str | None = None
    ) -> Any:
        if social_apps.connection_key(provider) is None:
            return super().get_provider(request, provider, client_id=client_id)
        app = self.get_app(request, provider=provider, client_id=client_id)
        return app.get_provider(request)

    def get_app(
        self, request: HttpRequest, provider: str, client_id: str | None = None
    ) -> SocialApp:
        if social_apps.connection_key(provider) is None:
            return super().get_app(request, provider, client_id=client_id)
        connection = social_apps.connections_for(provider).first()
        if connection is None:
            raise SocialApp.DoesNotExist
        return social_apps.social_app(connection)

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        connection = _connection_of(sociallogin.provider)
        if connection is None:
            return super().pre_social_login(request, sociallogin)
        raise ImmediateHttpResponse(views.complete(request, connection, sociallogin))

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: str | None = None,
        exception: Exception | None = None,
        extra_context: dict[str, Any] | None = None,
    ) -> None:
        connection = _connection_of(provider)
        if connection is None:
            return super().on_authentication_error(
                request, provider, error, exception, extra_context
            )
        context = extra_context or {}
        detail = context.get("saml_last_error_reason") or (
            f"{type(exception).__name__}: {exception}"
            if exception
            # allauth names no cause for an unsolicited SAML response it refuses, a lost
            # ACS session or an OIDC callback without its state.
            else f"{error}: refused by the protocol library (unsolicited, expired or no state)"
        )
        raise ImmediateHttpResponse(views.failed(request, connection, str(detail)))
