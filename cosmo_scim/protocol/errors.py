"""SCIM errors (RFC 7644 §3.12): what a request got wrong, as the client is told it.

Every failure under the SCIM prefix is rendered from a :class:`ScimError`, so an IdP always
gets the ``urn:ietf:params:scim:api:messages:2.0:Error`` body with ``status`` as a *string*
(Okta rejects a numeric status) and never an HTML page or a database message. Rendering the
HTTP response is the endpoints' job (:mod:`cosmo_scim.scim.responses`).
"""

from collections.abc import Callable

from django_scim.exceptions import SCIMException

from .documents import JsonObject
from .urns import ERROR_SCHEMA


class ScimError(SCIMException):
    """A failure to report to the SCIM client.

    Subclasses django-scim2's exception so that the parts of its views we keep still
    recognise our errors as SCIM errors.
    """

    def __init__(
        self,
        status: int,
        detail: str,
        scim_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail, status=status, scim_type=scim_type)
        self.headers = headers or {}

    def to_dict(self) -> JsonObject:
        body = {"schemas": [ERROR_SCHEMA], "detail": self.detail, "status": str(self.status)}
        if self.scim_type:
            body["scimType"] = self.scim_type
        return body


def _bad_request(scim_type: str, status: int = 400) -> Callable[[str], ScimError]:
    """The constructor of the errors of one RFC 7644 §3.12 ``scimType``: ``f(detail)``."""

    def error(detail: str) -> ScimError:
        return ScimError(status, detail, scim_type)

    error.__name__ = error.__qualname__ = scim_type
    error.__doc__ = f"A {status} ``{scim_type}`` ScimError (RFC 7644 §3.12)."
    return error


# The RFC 7644 §3.12 scimType values this server reports.
invalid_value = _bad_request("invalidValue")  # a value is wrong, or a required one missing
invalid_path = _bad_request("invalidPath")  # a PATCH path names nothing in the schema
invalid_filter = _bad_request("invalidFilter")  # a filter (or value filter) is malformed
mutability = _bad_request("mutability")  # a readOnly or immutable attribute would change
no_target = _bad_request("noTarget")  # a PATCH path (or its filter) addresses nothing
invalid_syntax = _bad_request("invalidSyntax")  # the request body is not the message it must be
uniqueness = _bad_request("uniqueness", status=409)  # a unique value is taken


def conflict(detail: str) -> ScimError:
    """409 without a ``scimType``: the change conflicts with what the server holds, but not
    by a value SCIM declares unique (RFC 7644 §3.12 reserves ``uniqueness`` for those)."""
    return ScimError(409, detail)


def not_found(detail: str = "Resource not found") -> ScimError:
    return ScimError(404, detail)


def precondition_failed(detail: str) -> ScimError:
    """412: the If-Match named a version other than the one the write would change."""
    return ScimError(412, detail)
