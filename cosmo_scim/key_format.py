"""What an organization API key looks like and how it is hashed.

A key reads ``cosmo_<prefix>.<secret>``: the ``cosmo_`` marker makes a leaked key easy to
recognise (secret scanners, log review), the 8-character prefix is stored in clear to find
the row, and the 40-character secret (~238 bits) is only ever stored as a SHA-512 hash —
djangorestframework-api-key's fast hasher, safe because the input is random and long, and
fast enough to run on every SCIM request. The model (models.APIKey) generates keys with
this; keys.py checks presented ones.
"""

from django.utils.crypto import get_random_string
from rest_framework_api_key.crypto import KeyGenerator

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
