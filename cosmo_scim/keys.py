"""How a presented organization API key is checked, and how a refusal is logged.

The key's shape and hashing are key_format.py's; whether a key may act is the model's
(``APIKey.refusal``); remembering verified keys between requests is key_cache.py's.
"""

import logging

from . import key_cache
from .key_format import parse_prefix
from .models import EXPIRED, REVOKED, APIKey

logger = logging.getLogger("cosmo_scim.auth")

# What a client is told when its key is one of ours but cannot act (APIKey.refusal).
REJECTIONS = {REVOKED: "API key has been revoked", EXPIRED: "API key has expired"}


class KeyRejected(Exception):
    """Why a presented credential was refused. ``prefix`` is safe to log; the key is not."""

    def __init__(self, reason: str, prefix: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.prefix = prefix


def bearer_token(authorization_header: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header (RFC 6750 §2.1)."""
    scheme, _, token = (authorization_header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise KeyRejected("Missing bearer token")
    return token.strip()


def authenticate(authorization_header: str | None) -> APIKey:
    """Resolve an Authorization header to a usable APIKey with its organization.

    No query when key_cache.py remembers the key (one cache round trip); otherwise one
    query (the key with its organization joined), and the accepted key is remembered.
    Either way the presented key is checked against the stored hash, and expired and
    revoked keys are refused here, so every caller — the host API and SCIM — applies the
    same rule.
    """
    key = bearer_token(authorization_header)
    prefix = parse_prefix(key)
    if prefix is None:
        raise KeyRejected("Malformed API key")
    remembered = key_cache.lookup(prefix)
    api_key = remembered.api_key
    if api_key is None:
        api_key = APIKey.objects.select_related("organization").filter(prefix=prefix).first()
    if api_key is None or not api_key.is_valid(key):
        raise KeyRejected("Unknown API key", prefix)
    refusal = api_key.refusal()
    if refusal is not None:
        raise KeyRejected(REJECTIONS[refusal], prefix)
    if remembered.api_key is None:
        api_key.touch()
        remembered.remember(api_key)
    return api_key


def log_rejection(rejected: KeyRejected, remote_addr: str | None) -> None:
    # Only the prefix, never the key: logs are read by more people than keys should be.
    logger.warning(
        "API key authentication failed: %s (prefix=%s, remote=%s)",
        rejected.reason,
        rejected.prefix or "-",
        remote_addr,
    )
