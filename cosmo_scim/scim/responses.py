"""SCIM HTTP responses: ``application/scim+json`` bodies, and errors rendered from a
:class:`~cosmo_scim.protocol.errors.ScimError` (RFC 7644 §3.12)."""

import json

from django.http import HttpResponse

SCIM_CONTENT_TYPE = "application/scim+json"


def scim_response(payload, status=200, headers=None):
    """A SCIM JSON response; ``payload`` None gives an empty body (204)."""
    content = b"" if payload is None else json.dumps(payload)
    response = HttpResponse(content, status=status, content_type=SCIM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(error):
    return scim_response(error.to_dict(), status=error.status, headers=error.headers)
