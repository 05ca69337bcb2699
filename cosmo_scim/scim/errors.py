"""SCIM error responses (RFC 7644 §3.12).

Every failure under the SCIM prefix is rendered from a :class:`ScimError`, so an IdP always
gets the ``urn:ietf:params:scim:api:messages:2.0:Error`` body with ``status`` as a *string*
(Okta rejects a numeric status) and never an HTML page or a database message.
"""

import json

from django.http import HttpResponse
from django_scim.exceptions import SCIMException

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
SCIM_CONTENT_TYPE = "application/scim+json"


class ScimError(SCIMException):
    """A failure to report to the SCIM client.

    Subclasses django-scim2's exception so that the parts of its views we keep still
    recognise our errors as SCIM errors.
    """

    def __init__(self, status, detail, scim_type=None, headers=None):
        super().__init__(detail, status=status, scim_type=scim_type)
        self.headers = headers or {}

    def to_dict(self):
        body = {"schemas": [ERROR_SCHEMA], "detail": self.detail, "status": str(self.status)}
        if self.scim_type:
            body["scimType"] = self.scim_type
        return body


def bad_request(detail, scim_type=None):
    return ScimError(400, detail, scim_type)


def invalid_value(detail):
    return ScimError(400, detail, "invalidValue")


def invalid_path(detail):
    return ScimError(400, detail, "invalidPath")


def invalid_filter(detail):
    return ScimError(400, detail, "invalidFilter")


def mutability(detail):
    return ScimError(400, detail, "mutability")


def no_target(detail):
    return ScimError(400, detail, "noTarget")


def invalid_syntax(detail):
    return ScimError(400, detail, "invalidSyntax")


def uniqueness(detail):
    return ScimError(409, detail, "uniqueness")


def not_found(detail="Resource not found"):
    return ScimError(404, detail)


def scim_response(payload, status=200, headers=None):
    """A SCIM JSON response; ``payload`` None gives an empty body (204)."""
    content = b"" if payload is None else json.dumps(payload)
    response = HttpResponse(content, status=status, content_type=SCIM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(error):
    return scim_response(error.to_dict(), status=error.status, headers=error.headers)
