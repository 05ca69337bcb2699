"""Attribute paths (RFC 7644 §3.10 "attribute notation"): the one parser of them.

``[schemaURI ":"] attrName ["." subAttrName]`` — ``title``, ``name.givenName``,
``urn:ietf:params:scim:schemas:core:2.0:User:userName``,
``urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value``. Filters, PATCH
paths, ``attributes``/``excludedAttributes``, ``sortBy`` and the schema lookup all read paths
through :func:`parse_attr_path`; what a path that does not parse means (``invalidFilter``,
``invalidPath``, ``invalidValue``, or ignored) is each caller's to decide.

The schema URI is everything before the last colon: attribute names contain no colon, and
the URIs of RFC 7643 end with the resource type's name (``…:2.0:User``), never with a path.
"""

import re
from dataclasses import dataclass

# RFC 7643 §2.1 ATTRNAME = ALPHA *(nameChar), nameChar = "-" / "_" / DIGIT / ALPHA; "$" too,
# for "$ref" (RFC 7643 §2.4 lists it among the sub-attributes of multi-valued attributes).
NAME = r"[A-Za-z$][\w$-]*"
_PATH_RE = re.compile(
    rf"(?:(?P<uri>urn:[A-Za-z0-9._:-]+):)?(?P<name>{NAME})(?:\.(?P<sub>{NAME}))?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AttrPath:
    """A parsed path: ``uri`` (None when absent), ``name``, ``sub`` (None when absent),
    spelled as the client sent them."""

    uri: str | None
    name: str
    sub: str | None = None

    def __str__(self) -> str:
        text = f"{self.uri}:{self.name}" if self.uri else self.name
        return f"{text}.{self.sub}" if self.sub else text

    @property
    def is_name(self) -> bool:
        """Whether the path is a bare attribute name (a sub-attribute inside brackets)."""
        return self.uri is None and self.sub is None


def parse_attr_path(text: object) -> "AttrPath | None":
    """The :class:`AttrPath` that ``text`` spells, or None when it is not one."""
    match = _PATH_RE.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        return None
    return AttrPath(match["uri"], match["name"], match["sub"])
