"""SCIM HTTP responses: ``application/scim+json`` bodies, and errors rendered from a
:class:`~cosmo_scim.protocol.errors.ScimError` (RFC 7644 §3.12)."""

import json
from collections.abc import Mapping

from django.http import HttpResponse

from ..protocol.documents import JsonObject
from ..protocol.errors import ScimError

SCIM_CONTENT_TYPE = "application/scim+json"


def scim_response(
    payload: JsonObject | bytes | None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    """A SCIM JSON response; ``payload`` None gives an empty body (204), bytes are a
    document already encoded."""
    if payload is None or isinstance(payload, bytes):
        content: bytes | str = payload or b""
    else:
        content = json.dumps(payload)
    response = HttpResponse(content, status=status, content_type=SCIM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(error: ScimError) -> HttpResponse:
    return scim_response(error.to_dict(), status=error.status, headers=error.headers)
