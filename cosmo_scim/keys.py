"""Organization API keys: how they look, how they are hashed, how a presented key is checked.

A key reads ``cosmo_<prefix>.<secret>``: the ``cosmo_`` marker makes a leaked key easy to
recognise (secret scanners, log review), the 8-character prefix is stored in clear to find
the row, and the 40-character secret (~238 bits) is only ever stored as a SHA-512 hash —
djangorestframework-api-key's fast hasher, safe because the input is random and long, and
fast enough to run on every SCIM request.
"""

import logging

from django.utils.crypto import get_random_string
from rest_framework_api_key.crypto import KeyGenerator

logger = logging.getLogger("cosmo_scim.auth")

MARKER = "cosmo_"
PREFIX_LENGTH = 8
SECRET_LENGTH = 40


class CosmoKeyGenerator(KeyGenerator):
    def __init__(self):
        super().__init__(prefix_length=PREFIX_LENGTH, secret_key_length=SECRET_LENGTH)

    def generate(self):
        prefix = get_random_string(PREFIX_LENGTH)
        key = f"{MARKER}{prefix}.{get_random_string(SECRET_LENGTH)}"
        return key, prefix, self.hash(key)


def parse_prefix(key):
    """The row prefix of a presented key, or None when it is not shaped like one of ours."""
    if not key.startswith(MARKER):
        return None
    prefix, dot, secret = key[len(MARKER) :].partition(".")
    if len(prefix) != PREFIX_LENGTH or not dot or len(secret) != SECRET_LENGTH:
        return None
    return prefix


class KeyRejected(Exception):
    """Why a presented credential was refused. ``prefix`` is safe to log; the key is not."""

    def __init__(self, reason, prefix=None):
        super().__init__(reason)
        self.reason = reason
        self.prefix = prefix


def bearer_token(authorization_header):
    """The token of an ``Authorization: Bearer <token>`` header (RFC 6750 §2.1)."""
    scheme, _, token = (authorization_header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise KeyRejected("Missing bearer token")
    return token.strip()


def authenticate(authorization_header):
    """Resolve an Authorization header to a usable APIKey with its organization.

    One query (the key with its organization joined). Expired and revoked keys are refused
    here, so every caller — the host API and SCIM — applies the same rule.
    """
    from .models import APIKey

    key = bearer_token(authorization_header)
    prefix = parse_prefix(key)
    if prefix is None:
        raise KeyRejected("Malformed API key")
    api_key = APIKey.objects.select_related("organization").filter(prefix=prefix).first()
    if api_key is None or not api_key.is_valid(key):
        raise KeyRejected("Unknown API key", prefix)
    if api_key.revoked:
        raise KeyRejected("API key has been revoked", prefix)
    if api_key.has_expired:
        raise KeyRejected("API key has expired", prefix)
    api_key.touch()
    return api_key


def log_rejection(rejected, remote_addr):
    # Only the prefix, never the key: logs are read by more people than keys should be.
    logger.warning(
        "API key authentication failed: %s (prefix=%s, remote=%s)",
        rejected.reason,
        rejected.prefix or "-",
        remote_addr,
    )
