"""The SSO pages: start a sign-in, finish it, and say what went wrong.

A failed sign-in never answers 500: whatever allauth, python3-saml or the IdP raised, the
person gets a page that says what to do (400; 503 with Retry-After when the IdP could not be
reached), and the organization's audit trail says why (sso/linking.py ``refuse``).
"""

import logging
import urllib.error
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeAlias

import requests
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.models import SocialLogin
from allauth.socialaccount.providers.base.constants import AuthProcess
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .. import conf
from ..admin import scope
from ..host import Key, host_adapter
from ..models import SsoConnection
from ..provisioning.invitations import find_by_hash
from . import assertions, entry, linking
from .endpoints import PROVIDER_PREFIX

logger = logging.getLogger(__name__)

# A Django view function.
View: TypeAlias = Callable[..., HttpResponse]

INVITATION_SESSION_KEY = "cosmo_scim_invitation"  # invitations/views.py SESSION_KEY


def _page(
    request: HttpRequest,
    connection: SsoConnection | None,
    message: str,
    status: int,
    test: bool = False,
) -> HttpResponse:
    response = render(
        request,
        "cosmo_scim/sso/refused.html",
        {
            "connection": connection,
            "organization": connection.organization if connection else None,
            "message": message,
            "test": test,
            "product_name": conf.get("PRODUCT_NAME"),
        },
        status=status,
    )
    if status == 503:
        response["Retry-After"] = "60"
    return response


def refused_page(
    request: HttpRequest,
    connection: SsoConnection | None,
    refused: linking.Refused,
    test: bool = False,
) -> HttpResponse:
    return _page(request, connection, refused.message, 400, test)


def failed(request: HttpRequest, connection: SsoConnection, detail: str) -> HttpResponse:
    """A protocol failure allauth reported (bad state, a refused token or response)."""
    refused = assertions.unverified("protocol", detail)
    linking.refuse(request, connection, "", refused)
    return refused_page(request, connection, refused)


def _connection(key: str) -> SsoConnection:
    connection = (
        SsoConnection.objects.enabled().select_related("organization").filter(key=key).first()
    )
    if connection is None:
        raise Http404("No such SSO connection")
    return connection


def _next_url(request: HttpRequest) -> str:
    target = request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@never_cache
@require_GET
def start(request: HttpRequest, key: str) -> HttpResponse:
    """The connection's login URL: off to the IdP. ``?test=1`` (an admin of the
    organization) signs nobody in and shows whom the IdP's answer resolves to."""
    connection = _connection(key)
    test = request.GET.get("test") == "1" and scope.acts_for(request, connection.organization_id)
    try:
        provider = get_adapter(request).get_provider(request, PROVIDER_PREFIX + key)
        return provider.redirect(
            request, AuthProcess.LOGIN, next_url=_next_url(request), data={"test": test}
        )
    except ImmediateHttpResponse as answered:
        return answered.response
    except Exception as exc:  # the IdP's failure is a page, never a 500
        return _unexpected(request, connection, exc)


def _invited_membership_id(request: HttpRequest, connection: SsoConnection) -> Key | None:
    invitation = find_by_hash(request.session.get(INVITATION_SESSION_KEY, ""))
    if invitation is not None and invitation.organization_id == connection.organization_id:
        return invitation.membership_id
    return None


def _test_result(
    request: HttpRequest, connection: SsoConnection, assertion: linking.Assertion
) -> HttpResponse:
    """Resolve without linking or signing in: what a real sign-in would do."""
    if not scope.acts_for(request, connection.organization_id):
        raise Http404
    try:
        with transaction.atomic():
            scim_user, _ = linking.resolve(assertion)
            transaction.set_rollback(True)
    except linking.Refused as refused:
        return _page(request, connection, f"{refused.message} ({refused.code})", 200, True)
    return _page(
        request,
        connection,
        f"This IdP's sign-in as {assertion.subject!r} resolves to the member "
        f"{scim_user.user_name!r} ({scim_user.login_email()}). Nothing was linked and nobody "
        "was signed in.",
        200,
        True,
    )


def complete(
    request: HttpRequest, connection: SsoConnection, sociallogin: SocialLogin
) -> HttpResponse:
    """allauth validated the IdP's answer: check what it leaves to us, then sign in."""
    state = sociallogin.state or {}
    try:
        assertion = assertions.from_sociallogin(connection, sociallogin)
    except linking.Refused as refused:
        linking.refuse(request, connection, sociallogin.account.uid, refused)
        return refused_page(request, connection, refused)
    if (state.get("data") or {}).get("test"):
        return _test_result(request, connection, assertion)
    invitation = request.session.get(INVITATION_SESSION_KEY)
    try:
        scim_user = linking.sign_in(
            request, assertion, invited_membership_id=_invited_membership_id(request, connection)
        )
    except linking.Refused as refused:
        return refused_page(request, connection, refused)
    if invitation:
        # login() may have started a new session: the invitation link stays in hand.
        request.session[INVITATION_SESSION_KEY] = invitation
    return redirect(state.get("next") or host_adapter().sso_signed_in_url(scim_user.membership))


def _unexpected(
    request: HttpRequest, connection: SsoConnection | None, exc: Exception
) -> HttpResponse:
    # allauth fetches OIDC discovery with requests, python3-saml SAML metadata with urllib.
    unreachable = isinstance(exc, requests.RequestException | urllib.error.URLError)
    logger.warning(
        "SSO connection %s: sign-in failed: %s", connection.pk if connection else "?", type(exc)
    )
    refused = assertions.unverified(
        "idp_unreachable" if unreachable else "error", f"{type(exc).__name__}: {exc}"
    )
    if connection is not None:
        linking.refuse(request, connection, "", refused)
    if unreachable:
        return _page(
            request,
            connection,
            "Your identity provider could not be reached. Try again in a minute.",
            503,
        )
    return refused_page(request, connection, refused)


def single_logout(view: View) -> View:
    """allauth's SAML single logout URL (the SLS the SP metadata names), acting only on a
    message the IdP signed, for a session signed in through this very connection.

    python3-saml checks a logout message's signature only when one is sent, and a
    LogoutRequest needs no Issuer: unguarded, anyone who knows a connection's key could
    link any person to an unsigned one and sign them out of every organization. With the
    HTTP-Redirect binding's ``Signature`` present, python3-saml verifies it with the IdP's
    certificate (SAML Bindings §3.4.4.1)."""

    @wraps(view)
    def logout_view(request: HttpRequest, organization_slug: str) -> HttpResponse:
        connection = _connection(organization_slug)
        signed = "Signature" in request.GET and "SigAlg" in request.GET
        if not signed or entry.signed_in_through(request, connection.organization) != (
            connection.key
        ):
            raise assertions.unverified(
                "logout", "a logout message unsigned, or for a session it did not sign in"
            )
        return view(request, organization_slug=organization_slug)

    return logout_view


def guarded(view: View) -> View:
    """An allauth callback view whose every failure is a page (and an audit event)."""

    @wraps(view)
    def guarded_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        key = kwargs.get("organization_slug") or str(kwargs.get("provider_id", ""))
        key = key.removeprefix(PROVIDER_PREFIX)
        try:
            return view(request, *args, **kwargs)
        except ImmediateHttpResponse as answered:
            return answered.response
        except linking.Refused as refused:
            connection = _connection(key)
            linking.refuse(request, connection, "", refused)
            return refused_page(request, connection, refused)
        except Http404:
            raise
        except Exception as exc:  # a failed callback is a page, never a 500
            named = SsoConnection.objects.select_related("organization").filter(key=key)
            return _unexpected(request, named.first(), exc)

    return never_cache(guarded_view)
