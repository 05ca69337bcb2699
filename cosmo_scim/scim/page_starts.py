"""Where pages of an organization's unfiltered /Users list start, remembered between requests.

``OFFSET n`` makes the database walk n index entries: about 30 ms for a page near the end of
100,000 users, on every request. Identity providers page through the whole list in order
(Okta's import: startIndex 1, 101, 201, …), so each page served tells where the next one
starts: after the last user it returned. Remembered, that makes the next page a seek
(``id > bound LIMIT count``), whatever its depth.

A start is remembered under the organization's ``ScimUserCount.changes``, which every
insert and delete moves (updates do not reorder an id-ordered list). It is reused only while
that number stands still — when no user has come or gone, so every user is where it was and
the seek returns exactly what OFFSET would. Entries live in Django's default cache; a
per-process cache only remembers less.
"""

import logging
from collections.abc import Mapping

from django.core.cache import cache

from ..host import Key

logger = logging.getLogger("cosmo_scim.scim")

# Long enough for an IdP's paging pass; entries under an old `changes` simply expire.
TIMEOUT = 15 * 60


class PageStarts:
    """The remembered starts of one organization's list at one ``changes`` value: for a
    0-based offset, the id of the user just before that position (an exclusive bound)."""

    def __init__(self, organization_id: Key, changes: int) -> None:
        self.prefix = f"cosmo_scim:page-start:{organization_id}:{changes}:"

    def bound(self, offset: int) -> Key | None:
        """The remembered bound, or None. The cache only makes paging faster: when it is
        unreachable the page is walked to as if nothing were remembered."""
        try:
            return cache.get(f"{self.prefix}{offset}")
        except Exception:  # any backend's failure, not just Redis's
            logger.warning("Page start cache unavailable; paging with OFFSET", exc_info=True)
            return None

    def remember(self, bounds: Mapping[int, Key]) -> None:
        """``bounds``: {offset: id of the user just before it}."""
        try:
            cache.set_many({f"{self.prefix}{offset}": pk for offset, pk in bounds.items()}, TIMEOUT)
        except Exception:
            logger.warning("Page start cache unavailable; not remembering", exc_info=True)
