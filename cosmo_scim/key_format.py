"""What an organization API key looks like and how it is hashed.

A key reads ``<marker><prefix>.<secret>``, e.g. ``cosmo_Ab3dE6gH.<secret>``: the marker
(``COSMO_SCIM["API_KEY_PREFIX"]``, the host's) makes a leaked key easy to recognise (secret
scanners, log review), the 8-character prefix is stored in clear to find the row, and the
40-character secret (~238 bits) is only ever stored as a SHA-512 hash —
djangorestframework-api-key's fast hasher, safe because the input is random and long, and
fast enough to run on every SCIM request. The model (models.APIKey) generates keys with
this; keys.py checks presented ones.

The hash covers the whole key, marker included, so a presented key is read from its end
(prefix and secret) and its marker needs no setting to be checked: keys issued under an
earlier marker keep working after the host changes it, and no marker can be swapped onto
a key without breaking its hash.
"""

import re

from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import get_random_string
from rest_framework_api_key.crypto import KeyGenerator

from . import conf

PREFIX_LENGTH = 8
SECRET_LENGTH = 40
# What a marker may be: short, and nothing a bearer token or a log line would split on.
MARKER_SHAPE = re.compile(r"[A-Za-z0-9_-]{0,16}")
# A whole key under any such marker. get_random_string draws from ASCII letters and digits.
KEY_SHAPE = re.compile(
    rf"{MARKER_SHAPE.pattern}(?P<prefix>[A-Za-z0-9]{{{PREFIX_LENGTH}}})\.[A-Za-z0-9]{{{SECRET_LENGTH}}}"
)


def marker() -> str:
    """The marker new keys begin with, checked against :data:`MARKER_SHAPE`."""
    value = conf.get("API_KEY_PREFIX")
    if not isinstance(value, str) or not MARKER_SHAPE.fullmatch(value):
        raise ImproperlyConfigured(
            f"COSMO_SCIM['API_KEY_PREFIX'] = {value!r}: use at most 16 letters, digits, "
            "'_' or '-', e.g. 'acme_'."
        )
    return value


class CosmoKeyGenerator(KeyGenerator):
    def __init__(self) -> None:
        super().__init__(prefix_length=PREFIX_LENGTH, secret_key_length=SECRET_LENGTH)

    def generate(self) -> tuple[str, str, str]:
        prefix = get_random_string(PREFIX_LENGTH)
        key = f"{marker()}{prefix}.{get_random_string(SECRET_LENGTH)}"
        return key, prefix, self.hash(key)


def parse_prefix(key: str) -> str | None:
    """The row prefix of a presented key, or None when it is not shaped like one of ours
    (under the current marker or any earlier one)."""
    match = KEY_SHAPE.fullmatch(key)
    return match["prefix"] if match else None
