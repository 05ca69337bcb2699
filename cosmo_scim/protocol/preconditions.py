"""Versions (RFC 7644 §3.14): a resource's ETag, and If-Match on writes (RFC 7232 §3.1),
where a stale version is a 412."""

from .errors import ScimError


def etag(resource_row):
    """Weak ETag from the row's version counter: it changes with every write."""
    return f'W/"{resource_row.version}"'


def check_if_match(request, current_etag):
    """Refuse the write when the client's If-Match names neither ``*`` nor the resource's
    current ETag. Callers check against the row they are about to change: under its lock
    where the write takes one."""
    if_match = request.META.get("HTTP_IF_MATCH")
    if not if_match or if_match.strip() == "*":
        return
    if current_etag not in [tag.strip() for tag in if_match.split(",")]:
        raise ScimError(412, "The resource changed since you read it (ETag mismatch)")
