"""Case-insensitive member names: the one lookup every SCIM object and query goes through.

RFC 7643 §2.1: "Attribute names are case insensitive"; RFC 7644 §3.4.2 makes the query
parameters' names case-insensitive too, and IdPs use that freedom (Entra's ``Operations`` and
``op``, ``startindex``…). A name is looked up exactly first, then ignoring case; keys that
are not strings never match.

A stored value whose attribute has caseExact false (userName, a group's displayName, the
group a role mapping names) is compared in the database by :func:`same`: both sides folded
there, by the ``LOWER`` its indexes on those columns hold (models/resources.py), never a
Python fold on one side — SQLite's ``LOWER`` changes the ASCII letters only, so
``"Équipe".lower()`` finds nothing it stored as ``LOWER("Équipe")``.
"""

from collections.abc import Mapping, MutableMapping
from typing import Any

from django.db.models import F, Value
from django.db.models.functions import Lower
from django.db.models.lookups import Exact


def find_key(mapping: Mapping[Any, Any], name: str) -> str | None:
    """The key of ``mapping`` (a dict, a QueryDict) that spells ``name``, or None."""
    if name in mapping:
        return name
    lowered = name.lower()
    return next(
        (key for key in mapping if isinstance(key, str) and key.lower() == lowered),
        None,
    )


def get(mapping: Mapping[Any, Any], name: str, default: Any = None) -> Any:
    """``mapping``'s member ``name`` whatever its case (a QueryDict's last value)."""
    key = find_key(mapping, name)
    return default if key is None else mapping[key]


def put(mapping: MutableMapping[Any, Any], name: str, value: Any) -> None:
    """Store ``value`` under the canonical ``name``, dropping a differently-cased key."""
    key = find_key(mapping, name)
    if key is not None and key != name:
        del mapping[key]
    mapping[name] = value


def drop(mapping: MutableMapping[Any, Any], name: str) -> None:
    """Remove member ``name`` whatever its case; nothing when it is absent."""
    key = find_key(mapping, name)
    if key is not None:
        del mapping[key]


def folded(expression: Any) -> Lower:
    """A caseExact-false value as the database compares it (the form its indexes hold)."""
    return Lower(expression)


def same(field: str, text: str) -> "Exact[str]":
    """A filter: ``field`` holds ``text`` without case (RFC 7643 §2.1, caseExact false),
    both sides folded by the database (:func:`folded`)."""
    return Exact(folded(F(field)), folded(Value(text)))
