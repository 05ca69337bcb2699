"""Email addresses compared without case: one login email is one account whatever its case
("Jane@Acme.com" is "jane@acme.com").

Two halves:

- **The key** (:func:`address_key`, :class:`AddressKey`) is the one caseless rule of
  protocol/caseless.py, the ASCII fold: the 26 ASCII capitals in lower case, every other
  character as it is, computed alike by Python and both databases (why not a Unicode case
  mapping is said there; tests/test_addresses.py checks every character of the BMP whose
  case mappings disagree, on both databases). The account lookup, a unique constraint on
  the login and the login itself all compare keys; a lookup with ``LOWER`` and a login
  with ``UPPER`` (Django's ``__iexact``) would let one login match two accounts (``ſam@…``
  and ``sam@…``).
- **The door** (:func:`refusal`) refuses an address holding a character that has any case
  mapping outside ASCII (``é``, ``ſ``, ``ı``, ``K``, ``ß``, ``ﬁ``, ``Σ``, ``İ``…). For every
  address it lets through, the key is what ``lower()``, ``casefold()`` and ``upper().lower()``
  give, so "the same address in another case" means one account, on every database; a
  look-alike is never a second account one login matches. Django's own email validator
  lets ``ı``, ``İ``, ``ſ`` and ``K`` through in the local part (its pattern is ``[A-Z]`` with
  ``re.IGNORECASE``, which matches them) and any letter in the domain; an international
  domain is sent in its ASCII form (``xn--…``, IDNA) instead.

Which of a member's addresses is their login (:func:`login_address`) is here too: a SCIM
profile (provisioning/user_profile.py) and a stored SCIM user (models/resources.py) both
ask it.
"""

from collections.abc import Iterable
from typing import Protocol, TypeVar

from django.core.exceptions import ValidationError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model, QuerySet
from django.db.models.expressions import Combinable
from django.db.models.lookups import Contains

from .protocol import caseless

_M = TypeVar("_M", bound=Model)


def address_key(address: str) -> str:
    """What two addresses that are the same account have in common (Python's form)."""
    return caseless.fold(address)


def has_case(character: str) -> bool:
    """Does ``character`` change under any of Python's case mappings?"""
    return (
        character.lower() != character
        or character.upper() != character
        or character.casefold() != character
    )


def refusal(address: str) -> str | None:
    """Why ``address`` cannot be an account's login — a sentence naming the character —
    or None when it can."""
    domain_starts = address.rfind("@") + 1
    for index, character in enumerate(address):
        if not character.isascii() and has_case(character):
            hint = (
                " Write the domain in its ASCII form (xn--…)." if index >= domain_starts > 0 else ""
            )
            return (
                f"holds {character!r} (U+{ord(character):04X}), a letter with a case mapping "
                "outside ASCII: such an address could pass for another one in another case." + hint
            )
    return None


def validate_address(address: str) -> None:
    """A Django field validator: :func:`refusal` as a form error."""
    reason = refusal(address)
    if reason is not None:
        raise ValidationError(f"This address {reason}", code="invalid")


class AddressKey(caseless.Folded):
    """The key of an expression, in SQL (the database's form of :func:`address_key`), for
    lookups, unique constraints and indexes alike. The caseless fold under the name a
    host's unique constraint and its migrations know it by."""


def with_address(queryset: QuerySet[_M], field: str, address: str) -> QuerySet[_M]:
    """The rows of ``queryset`` whose ``field`` is ``address`` by the key."""
    keyed: QuerySet[_M] = queryset.alias(_address_key=AddressKey(field))
    return keyed.filter(_address_key=address_key(address))


class AddressContains(Contains):
    """``<address field>__address_contains=text``: the address's key holds the text's key.
    The admin's search of addresses (``search_fields = ("email__address_contains",)``,
    registered on the field), so a search finds the accounts a login would, not those
    ``UPPER`` maps together (Django's ``icontains``: ``sam`` finding ``ſam``)."""

    lookup_name = "address_contains"

    def __init__(self, lhs: Combinable | str, rhs: str) -> None:
        super().__init__(AddressKey(lhs), address_key(rhs))

    def get_rhs_op(self, connection: BaseDatabaseWrapper, rhs: str) -> str:
        # Django's own "contains" operator (the backends know lookups by their names).
        return connection.operators["contains"] % rhs


class _Email(Protocol):
    """A profile's email (UserProfile's Email) or a stored one (ScimUserEmail)."""

    @property
    def value(self) -> str: ...

    @property
    def primary(self) -> bool: ...


def login_address(emails: Iterable[_Email], user_name: str) -> str | None:
    """The address a SCIM user logs in with and is invited at: the primary of ``emails``
    (objects with ``value`` and ``primary``), else the first, else a ``user_name`` that is
    an address (Entra often sends only a UPN); None without any."""
    ordered = sorted(emails, key=lambda email: not email.primary)
    if ordered:
        return ordered[0].value
    return user_name if "@" in user_name else None
