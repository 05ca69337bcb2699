"""Absolute URLs of SCIM resources (``meta.location``, ``$ref``) and of the SCIM root.

Built once per request and collection, then extended with each id: a list page renders up to
MAX_RESULTS resources, and resolving the URL pattern for each of them was a third of the
page's rendering time. The path itself is resolved once per process (``_path``). Ids are
server-issued UUIDs, safe in a URL path as they are.
"""

from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse


@lru_cache(maxsize=32)
def _path(url_name: str, script_prefix: str, urlconf: str) -> str:
    """``reverse(url_name)``: the same for every request under one script prefix and URLconf,
    which is all it reads of the request."""
    return reverse(url_name, urlconf=urlconf)


def collection_url(request: HttpRequest, url_name: str) -> str:
    """``https://host/scim/v2/Users`` for ``"scim:users"``, cached on the request."""
    cache = request.__dict__.setdefault("_scim_collection_urls", {})
    if url_name not in cache:
        path = _path(url_name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
        # build_absolute_uri(path), less what it would do for nothing: the host passed
        # ALLOWED_HOSTS (get_host), so it is ASCII, and reverse() quoted the path.
        cache[url_name] = f"{request.scheme}://{request.get_host()}{path}".rstrip("/")
    return cache[url_name]


def resource_url(request: HttpRequest, url_name: str, resource_id: str) -> str:
    return f"{collection_url(request, url_name)}/{resource_id}"
