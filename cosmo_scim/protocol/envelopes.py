"""The ``ListResponse`` envelope (RFC 7644 §3.4.2), one for every list the server answers:
the resource lists, the root search and the discovery documents.

Apart from :mod:`.pagination` (which imports the filter registry) so the discovery documents
can use it without ``schema`` and ``filters`` importing each other in a circle.
"""

from .documents import JsonObject
from .urns import LIST_RESPONSE_SCHEMA


def list_response(resources: list[JsonObject], total: int, start_index: int = 1) -> JsonObject:
    """The one ``ListResponse`` envelope: ``resources`` are the page's, ``total`` the
    ``totalResults`` of the whole query (``pagination.total_results``: counted unless the
    page alone tells it)."""
    return {
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": total,
        "itemsPerPage": len(resources),
        "startIndex": start_index,
        "Resources": resources,
    }
