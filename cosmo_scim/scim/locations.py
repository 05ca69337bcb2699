"""Absolute URLs of SCIM resources (``meta.location``, ``$ref``).

Built once per request and collection, then extended with each id: a list page renders up to
MAX_RESULTS resources, and resolving the URL pattern for each of them was a third of the
page's rendering time. Ids are server-issued UUIDs, safe in a URL path as they are.
"""

from django.http import HttpRequest
from django.urls import reverse


def collection_url(request: HttpRequest, url_name: str) -> str:
    """``https://host/scim/v2/Users`` for ``"scim:users"``, cached on the request."""
    cache = request.__dict__.setdefault("_scim_collection_urls", {})
    if url_name not in cache:
        cache[url_name] = request.build_absolute_uri(reverse(url_name)).rstrip("/")
    return cache[url_name]


def resource_url(request: HttpRequest, url_name: str, resource_id: str) -> str:
    return f"{collection_url(request, url_name)}/{resource_id}"
