"""From what django-allauth validated to an :class:`~.linking.Assertion`, with the checks
allauth leaves to the application.

- OIDC ``nonce``: allauth sends none; ours (social_apps.py) must come back in the ID token
  (OpenID Connect Core §3.1.3.7 item 11), which binds the token to this browser's request.
- OIDC ``iss``: allauth checks the ID token's issuer against the discovery document's; the
  discovery document must name the issuer the connection was configured with (OpenID
  Connect Discovery §4.3), so a document served elsewhere cannot vouch for tokens.
- OIDC ``sub``: userinfo's must be the ID token's (OIDC Core §5.3.2).
- SAML replay: an assertion ID is accepted once, remembered in Django's cache (shared by the
  workers when ``CACHE_URL`` names Redis) until the assertion's ``NotOnOrAfter``. SP-initiated
  responses are also bound to the request allauth stashed in the session (``InResponseTo``);
  the cache is what protects IdP-initiated ones, and responses replayed into another
  session.
"""

import datetime

from allauth.socialaccount.models import SocialLogin
from django.core.cache import cache
from django.utils import timezone

from ..models import SsoConnection
from .linking import Assertion, Refused
from .social_apps import SAML_EMAIL_ATTRIBUTES, claims_of

# Longest an assertion id is remembered when the assertion states no end (python3-saml
# refuses one older than its NotOnOrAfter, so the id needs remembering only until then).
REPLAY_WINDOW = 24 * 3600


def unverified(code: str, detail: str) -> Refused:
    """A sign-in whose proof failed: the person reads what to do, the audit trail why."""
    return Refused(
        code,
        "The sign-in could not be verified. Start again from the sign-in page; if it keeps "
        "failing, ask your administrator to check the SSO connection.",
        detail,
    )


def _oidc(connection: SsoConnection, sociallogin: SocialLogin) -> str:
    data = sociallogin.account.extra_data
    token = data.get("id_token") or {}
    userinfo = data.get("userinfo") or {}
    expected = sociallogin.state.get("nonce")
    if not expected or token.get("nonce") != expected:
        raise unverified("nonce", "the ID token's nonce is not the one this sign-in sent")
    if str(token.get("iss", "")).rstrip("/") != connection.issuer.rstrip("/"):
        raise unverified(
            "issuer", f"the ID token's issuer {token.get('iss')!r} is not the connection's"
        )
    if userinfo.get("sub") is not None and userinfo.get("sub") != token.get("sub"):
        raise unverified("subject_mismatch", "userinfo's sub is not the ID token's")
    return str(claims_of(data).get("email") or "")


def _remember_once(
    connection: SsoConnection, assertion_id: str, not_on_or_after: int | str | None
) -> None:
    timeout = REPLAY_WINDOW
    if not_on_or_after:
        end = datetime.datetime.fromtimestamp(int(not_on_or_after), tz=datetime.UTC)
        timeout = max(60, min(REPLAY_WINDOW, int((end - timezone.now()).total_seconds()) + 60))
    key = f"cosmo_scim:sso:assertion:{connection.key}:{assertion_id}"
    if not cache.add(key, 1, timeout):
        raise unverified("replayed", f"assertion {assertion_id!r} was already used")


def _saml(connection: SsoConnection, sociallogin: SocialLogin) -> str:
    data = sociallogin.account.extra_data
    assertion_id = data.get("assertion_id")
    if not assertion_id:
        raise unverified("no_assertion_id", "the response's assertion has no ID")
    _remember_once(connection, assertion_id, data.get("not_on_or_after"))
    attributes = data.get("attributes") or {}
    for name in SAML_EMAIL_ATTRIBUTES:
        if attributes.get(name):
            return str(attributes[name][0])
    # Okta's and Entra's default NameID is the username, commonly the email address.
    name_id = data.get("name_id") or ""
    return name_id if "@" in name_id else ""


def from_sociallogin(connection: SsoConnection, sociallogin: SocialLogin) -> Assertion:
    """The assertion a validated allauth sign-in makes. Raises :class:`Refused`."""
    if connection.protocol == "oidc":
        email = _oidc(connection, sociallogin)
    else:
        email = _saml(connection, sociallogin)
    return Assertion(connection=connection, subject=sociallogin.account.uid, email=email)
