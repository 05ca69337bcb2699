"""SSO client secrets, encrypted at rest (Fernet: AES-128-CBC with an HMAC-SHA256 tag).

An OIDC client secret is a credential: with it, anyone who can reach the IdP's token
endpoint can redeem the organization's authorization codes. So it is stored encrypted, never
shown again after it is entered, never put in a log or a URL. django-allauth's own
``SocialApp.secret`` column is plaintext; cosmo_scim therefore never saves a SocialApp and
builds an unsaved one per request from the connection (sso/social_apps.py), the secret
decrypted only in memory.

The key is ``COSMO_SCIM["SSO_SECRET_KEY"]`` (any string; its SHA-256 is the Fernet key);
unset, a key derived from ``SECRET_KEY``, which check ``cosmo_scim.W003`` flags in a
deployment (rotating SECRET_KEY would then make the stored secrets unreadable).
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

from .. import conf

_CONTEXT = b"cosmo_scim.sso.client_secret:"


class SecretUnreadable(Exception):
    """The stored secret was encrypted under another key (SSO_SECRET_KEY or SECRET_KEY
    changed): an admin enters the secret again."""


def _fernet() -> Fernet:
    material = conf.get("SSO_SECRET_KEY") or settings.SECRET_KEY
    digest = hashlib.sha256(_CONTEXT + material.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode() if secret else ""


def unseal(sealed: str) -> str:
    if not sealed:
        return ""
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken as unreadable:
        raise SecretUnreadable("The client secret must be entered again") from unreadable
