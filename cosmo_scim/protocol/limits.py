"""The input boundary's rules: what a SCIM request may contain before any work is done.

Every body, query parameter and path id passes through here first
(:mod:`cosmo_scim.scim.base` dispatch), so a hostile request is refused before a key lookup's
follow-up, a row lock or a query it could break:

- text that PostgreSQL cannot store or compare: NUL (``\\u0000``: text columns refuse it,
  psycopg raises ``DataError``) and lone UTF-16 surrogates (valid JSON escapes such as
  ``"\\ud800"``, which no UTF-8 encoder accepts) — 400 ``invalidValue``, 404 in a path id;
- JSON nested deeper than any SCIM message (RFC 7643 resources nest three levels) — 400
  ``invalidSyntax``, instead of a ``RecursionError`` in the decoder or in ``deepcopy``;
- sizes: the body, the operations of one PATCH, the values of one multi-valued attribute
  (a resource type may bound its attributes more strictly: the User attribute table's
  ``max_values``, passed in as ``bounds``). The string lengths are the database columns'
  own, read where the columns are mapped (``cosmo_scim.scim.user_attributes``,
  ``cosmo_scim.scim.groups``).

docs/security.md lists these numbers, and a test checks that list against this module.
"""

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.utils.datastructures import MultiValueDict

from . import caseless
from .documents import Definition, JsonObject
from .errors import ScimError, invalid_syntax, invalid_value

if TYPE_CHECKING:
    from .schema.resolve import ResourceSchema

# The largest request body read, in bytes (413 beyond). A Group PUT of 10,000 members
# with ``display`` and ``$ref`` (~150 bytes each) fits.
MAX_BODY_BYTES = 2 * 1024 * 1024
# The deepest JSON nesting a body may have: a PATCH of an enterprise manager is five deep.
MAX_DEPTH = 32
# Operations in one PATCH request (RFC 7644 §3.5.2 sets no bound; Entra sends one per
# attribute, Okta one per membership change, both far fewer).
MAX_OPERATIONS = 1000
# Values of one multi-valued attribute of a resource that has no bound of its own, and the
# attributes allowed more: a group's members (Okta and Entra push large groups). A User's
# attributes have their own, smaller bounds (cosmo_scim.scim.user_attributes max_values).
MAX_VALUES = 100
MAX_VALUES_BY_ATTRIBUTE = {"members": 10_000}

# Code points PostgreSQL text cannot hold: NUL, and the UTF-16 surrogates, which Python
# strings carry only when JSON escapes them alone ("\ud800").
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(text: str) -> str | None:
    """The description of what in ``text`` cannot be stored, or None when all of it can."""
    match = _UNSTORABLE.search(text)
    if match is None:
        return None
    return "a NUL character" if match.group() == "\x00" else "a lone UTF-16 surrogate"


def check_text(text: str, where: str) -> None:
    """400 ``invalidValue`` naming ``where`` when ``text`` holds what cannot be stored."""
    problem = unstorable(text)
    if problem is not None:
        raise invalid_value(f"{where} contains {problem}")


def decode_body(body: bytes) -> Any:
    """A request body (bytes) into its JSON document, None when empty, refused as a whole
    when it is too large (413), not UTF-8 JSON, nested deeper than MAX_DEPTH, or holds an
    unstorable string anywhere (keys included)."""
    if len(body) > MAX_BODY_BYTES:
        raise body_too_large()
    if not body.strip():
        return None
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise invalid_syntax("The request body is not valid JSON") from None
    except RecursionError:
        raise invalid_syntax(f"The request body nests deeper than {MAX_DEPTH} levels") from None
    check_document(document)
    return document


def body_too_large() -> ScimError:
    return ScimError(413, f"The request body is larger than {MAX_BODY_BYTES} bytes")


def check_document(document: object) -> None:
    """Walk a decoded JSON document once, without recursion: its depth and its strings."""
    pending = [(document, 1, "The request body")]
    while pending:
        node, depth, where = pending.pop()
        if isinstance(node, str):
            check_text(node, where)
            continue
        if not isinstance(node, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise invalid_syntax(f"The request body nests deeper than {MAX_DEPTH} levels")
        if isinstance(node, dict):
            for key, value in node.items():
                check_text(key, f"The attribute name {key[:40]!r}")
                pending.append((value, depth + 1, _label(key)))
        else:
            pending.extend((item, depth + 1, where) for item in node)


def _label(key: str) -> str:
    return key if len(key) <= 60 and not _UNSTORABLE.search(key) else "A value"


def check_parameters(params: MultiValueDict[str, str]) -> None:
    """Query parameters (a QueryDict), names and values: 400 ``invalidValue``."""
    for name, values in params.lists():
        check_text(name, "A query parameter name")
        for value in values:
            check_text(value, f"The query parameter {name!r}")


def check_operations(operations: object) -> None:
    """The number of operations of one PATCH: 400 ``invalidValue`` beyond MAX_OPERATIONS."""
    if isinstance(operations, list) and len(operations) > MAX_OPERATIONS:
        raise invalid_value(
            f"A PATCH request holds at most {MAX_OPERATIONS} operations, got {len(operations)}"
        )


def max_values(attr: Definition, bounds: Mapping[str, int] | None = None) -> int:
    """How many values the multi-valued attribute definition ``attr`` may hold: the generic
    bound, or the stricter one ``bounds`` ({canonical name: count}, the resource layer's
    own rule) gives it."""
    generic = MAX_VALUES_BY_ATTRIBUTE.get(attr["name"], MAX_VALUES)
    return min(generic, (bounds or {}).get(attr["name"], generic))


def check_count(attr: Definition, count: int, bounds: Mapping[str, int] | None = None) -> None:
    """400 ``invalidValue`` when the multi-valued attribute ``attr`` (its definition) would
    hold ``count`` values, more than :func:`max_values`; the PATCH engine asks after every
    operation, so a request cannot grow a list past its bound one operation at a time."""
    bound = max_values(attr, bounds)
    if count > bound:
        raise invalid_value(f"{attr['name']} holds at most {bound} values, got {count}")


def check_values(
    resource: JsonObject, rs: "ResourceSchema", bounds: Mapping[str, int] | None = None
) -> None:
    """Every writable multi-valued attribute of ``resource`` (a representation of resource
    type ``rs``, a :class:`~cosmo_scim.protocol.schema.resolve.ResourceSchema`), core and
    extensions alike, holds at most :func:`max_values` values (with ``bounds``): 400
    ``invalidValue``. Driven by the schema definitions, so an attribute added there is
    bounded too. readOnly ones
    (a User's ``groups``) are the server's, ignored in a body (RFC 7644 §3.5.1): a client
    echoing a user in 150 groups back in a PUT, or a PATCH of that user, is not refused."""
    containers = [(resource, rs.core)]
    for extension in rs.extensions:
        containers.append((caseless.get(resource, extension["id"]), extension))
    for container, doc in containers:
        if not isinstance(container, dict):
            continue
        for attr in doc["attributes"]:
            if not attr["multiValued"] or attr["mutability"] == "readOnly":
                continue
            value = caseless.get(container, attr["name"])
            if isinstance(value, list):
                check_count(attr, len(value), bounds)
