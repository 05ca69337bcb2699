"""Without case: the one lookup of member names every SCIM object and query goes through, and
the one rule caseExact-false values are compared by.

RFC 7643 §2.1: "Attribute names are case insensitive"; RFC 7644 §3.4.2 makes the query
parameters' names case-insensitive too, and IdPs use that freedom (Entra's ``Operations`` and
``op``, ``startindex``…). A name is looked up exactly first, then ignoring case; keys that
are not strings never match.

A value whose attribute has caseExact false (userName, a group's displayName, an email's
value, the group a role mapping names, a login address) is compared by one rule, the
*fold*: the 26 ASCII capitals become lower case and every other character stays as it is.
It has a Python form (:func:`fold`: PATCH value filters, the elements a PATCH merges) and a
database form (:class:`Folded`: filters, lookups, sorting, and the unique constraints and
indexes on those columns), and the two agree on every string, on PostgreSQL and SQLite
(tests/scim_api/test_caseless_rule.py, tests/test_addresses.py).

Why not a Unicode case mapping: they disagree with each other outside ASCII (``ß``
case-folds to ``ss`` but lower-cases to itself, the Kelvin sign ``K`` lower-cases to ``k``,
``ſ`` upper-cases to ``S``, ``İ`` lower-cases to two characters, the final sigma ``ς``
case-folds to the other one), and the databases disagree with Python and with each other:
SQLite's ``LOWER`` changes the ASCII letters only, PostgreSQL's follows the database's
collation (a Turkish one lower-cases ``I`` to ``ı``). A filter in SQL and the same filter
in Python would then answer differently, and a lookup with one mapping could find a row a
unique constraint with another let in beside it. The fold is what SQLite's ``LOWER`` does
and what ``TRANSLATE`` over the 26 letters does on PostgreSQL, whatever the collation; so
``Équipe`` and ``équipe`` are two values, as ``Straße`` and ``STRASSE`` are.
"""

import string
from collections.abc import Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import CharField, F, Func, Value
from django.db.models.lookups import Exact
from django.db.models.sql.compiler import SQLCompiler

if TYPE_CHECKING:
    from django.db.models.sql.compiler import _AsSqlType

_FOLD = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
# The same fold in SQL: PostgreSQL's TRANSLATE, which no collation changes.
_TRANSLATE = f"TRANSLATE(%(expressions)s, '{string.ascii_uppercase}', '{string.ascii_lowercase}')"


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


def fold(text: str) -> str:
    """``text`` as a caseExact-false value is compared (Python's form of :class:`Folded`)."""
    return text.translate(_FOLD)


class Folded(Func):
    """An expression folded in SQL (the database's form of :func:`fold`), for comparisons,
    sorting, unique constraints and indexes alike: an index serves a comparison when both
    hold this same expression."""

    arity = 1
    output_field = CharField()

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> "_AsSqlType":
        # SQLite's built-in LOWER changes the ASCII letters only.
        return super().as_sql(
            compiler, connection, template="LOWER(%(expressions)s)", **extra_context
        )

    def as_sql(  # type: ignore[override]  # the template is this function's own
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> "_AsSqlType":
        return super().as_sql(compiler, connection, template=_TRANSLATE, **extra_context)


def same(field: str, text: str) -> "Exact[str]":
    """A filter: ``field`` holds ``text`` without case (RFC 7643 §2.1, caseExact false),
    both sides folded by the database (:class:`Folded`), as its unique constraint folds
    them."""
    return Exact(Folded(F(field)), Folded(Value(text)))
