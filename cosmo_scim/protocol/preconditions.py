"""Versions (RFC 7644 §3.14): a resource's ETag, and the versions a write's If-Match
(RFC 7232 §3.1) allows. The service compares them with the row it locks; a stale one is a
412."""

import re
from typing import Protocol

# Exactly what etag() makes, W/"<version>": any other spelling names no version of ours.
_ETAG = re.compile(r'W/"([1-9][0-9]{0,17})"')


class Versioned(Protocol):
    """A resource row with the version counter every write increments."""

    version: int


def etag(resource_row: Versioned) -> str:
    """Weak ETag from the row's version counter: it changes with every write."""
    return f'W/"{resource_row.version}"'


def if_match_versions(if_match: str | None) -> set[int] | None:
    """The versions an ``If-Match`` header value allows a write to change: None for no
    condition (absent, or ``*``), else the set of versions its ETags name. A tag that is not
    one of ours names none, so a write carrying only such tags fails (412)."""
    if not if_match or if_match.strip() == "*":
        return None
    versions = set()
    for tag in if_match.split(","):
        match = _ETAG.fullmatch(tag.strip())
        if match:
            versions.add(int(match.group(1)))
    return versions
