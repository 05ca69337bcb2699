"""The base of every SCIM endpoint: django-scim2's views, made tenant-safe and
IdP-compatible — dispatch, authentication, body parsing and errors.

What we keep from django-scim2: the view classes, their URL layout and the adapter
protocol (``from_dict`` / ``save`` / ``handle_operations`` / ``delete`` / ``to_dict``).
What we replace, and why:

- authentication: an organization API key with the SCIM permission, on every endpoint
  (RFC 7644 §2; discovery too, which we advertise in ServiceProviderConfig), within its
  rate limits (throttle.py);
- every queryset starts from the key's organization (its raw-SQL filter path filters all
  tenants first and scopes afterwards in Python, so ``or`` filters leak across tenants);
- listing counts with COUNT and pages with LIMIT/OFFSET (it iterated the whole table);
- errors: RFC 7644 §3.12 bodies with a *string* status (it sends an int, and HTML for
  405/404/500 outside its views);
- the input boundary: path ids, query parameters and the body pass
  :mod:`cosmo_scim.protocol.limits` before any work, and the body is decoded once, here;
- a database that is down or in recovery answers 503 with Retry-After (:mod:`.faults`);
- every response is ``Cache-Control: no-store``: SCIM bodies carry personal data, and
  errors echo what the client sent (RFC 7644 §7.5.2 leaves caching to HTTP).
"""

import logging
import re
import secrets
from collections.abc import Callable
from typing import Any, NoReturn

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django_scim import views as scim_views
from django_scim.exceptions import SCIMException

from .. import keys
from ..host import host_adapter
from ..protocol import limits
from ..protocol.documents import JsonObject
from ..protocol.errors import ScimError, invalid_syntax, not_found
from . import faults, throttle
from .locations import collection_url
from .request import ScimRequest
from .responses import error_response

logger = logging.getLogger("cosmo_scim.scim")

WWW_AUTHENTICATE = 'Bearer realm="cosmo-scim"'
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def scim_base_url(request: HttpRequest) -> str:
    return collection_url(request, "scim:root")


def _request_id(request: HttpRequest) -> str:
    """The client's X-Request-Id when it is a sane token (so IdP and server logs can be
    correlated), else a fresh one."""
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    return given if _CLIENT_REQUEST_ID.match(given) else secrets.token_hex(16)


def as_scim_error(exc: SCIMException) -> ScimError:
    """django-scim2's own exceptions carry an int status; re-issue them in our format."""
    if isinstance(exc, ScimError):
        return exc
    return ScimError(exc.status, exc.detail, exc.scim_type)


class ScimView(scim_views.SCIMView):
    """Base of every endpoint under the SCIM prefix."""

    # Set by Django's View.setup: the request dispatch has prepared.
    request: ScimRequest

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Callable[..., HttpResponse]:
        """Exempt from CSRF once, at the view: an IdP presents a bearer key, not a cookie.
        (``method_decorator`` on ``dispatch`` would wrap it anew on every request.)"""
        return csrf_exempt(super().as_view(**initkwargs))

    def dispatch(self, request: ScimRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.scim_request_id = _request_id(request)
        try:
            self.authenticate(request)
            if not self.implemented:
                raise ScimError(501, f"{request.path} is not supported by this service provider")
            method = request.method.lower()
            if method not in self.http_method_names or not hasattr(self, method):
                raise self.method_not_allowed(request)
            self.check_input(request, kwargs)
            response = getattr(self, method)(request, *args, **kwargs)
        except SCIMException as exc:
            response = error_response(as_scim_error(exc))
        except RequestDataTooBig:
            response = error_response(limits.body_too_large())
        except Exception as exc:
            response = error_response(self.failure(exc, request.scim_request_id))
        response["X-Request-Id"] = request.scim_request_id
        response["Cache-Control"] = "no-store"
        return response

    def failure(self, exc: Exception, request_id: str) -> ScimError:
        """An unexpected exception: 503 when the database is down for now, else 500."""
        if faults.is_temporary(exc):
            return faults.unavailable(exc, request_id)
        logger.exception("SCIM request %s failed", request_id)
        return ScimError(500, f"Internal error (request id {request_id})")

    def check_input(self, request: ScimRequest, kwargs: dict[str, Any]) -> None:
        """The input boundary (:mod:`cosmo_scim.protocol.limits`), before any lookup: an
        unstorable path id names nothing (404), an unstorable query parameter is 400, and
        the body is decoded — bounded in size, depth and content — into
        ``request.scim_document`` for :meth:`load_body`."""
        for value in kwargs.values():
            if isinstance(value, str) and limits.unstorable(value):
                raise not_found("The path names no resource")
        limits.check_parameters(request.GET)
        declared = request.META.get("CONTENT_LENGTH") or "0"
        length = int(declared) if declared.isdigit() else None
        if length is not None and length > limits.MAX_BODY_BYTES:
            raise limits.body_too_large()
        # Django reads at most CONTENT_LENGTH bytes of a body: none of a GET's.
        request.scim_document = None if length == 0 else limits.decode_body(request.body)

    def authenticate(self, request: ScimRequest) -> None:
        try:
            api_key = keys.authenticate(request.META.get("HTTP_AUTHORIZATION"))
        except keys.KeyRejected as rejected:
            remote_addr = request.META.get("REMOTE_ADDR")
            too_many = throttle.failed_authentication(remote_addr)
            if too_many is not None:
                raise too_many from None
            keys.log_rejection(rejected, remote_addr)
            raise ScimError(
                401, rejected.reason, headers={"WWW-Authenticate": WWW_AUTHENTICATE}
            ) from None
        throttle.check_key(api_key)
        if not api_key.scim:
            raise ScimError(403, "This API key does not have the SCIM permission")
        host = host_adapter()
        if not host.scim_allowed(api_key.organization):
            raise ScimError(403, host.scim_refusal(api_key.organization))
        request.scim_key = api_key
        request.scim_organization = api_key.organization

    def method_not_allowed(self, request: HttpRequest) -> ScimError:
        allowed = [m.upper() for m in self.http_method_names if hasattr(self, m)]
        return ScimError(
            405,
            f"{request.method} is not allowed on {request.path}",
            headers={"Allow": ", ".join(allowed)},
        )

    def load_body(self, body: bytes) -> JsonObject:
        """The body dispatch decoded (django-scim2's flows pass ``request.body``)."""
        data = self.request.scim_document
        if not isinstance(data, dict):
            raise invalid_syntax("The request body must be a JSON object")
        return data


class NotFoundView(ScimView):
    """Unknown paths under the prefix get a SCIM 404, never Django's HTML page."""

    http_method_names = ["get", "post", "put", "patch", "delete"]

    def _not_found(self, request: HttpRequest, *args: Any, **kwargs: Any) -> NoReturn:
        raise not_found(f"{request.path} is not a SCIM endpoint")

    get = post = put = patch = delete = _not_found


class NotImplementedView(ScimView):
    """/Me, /Bulk and root-level .search: optional in RFC 7644 and advertised as
    unsupported, so they answer 501 (RFC 7644 §3.11, §3.7, §3.4.3)."""

    implemented = False
    http_method_names = ["get", "post", "put", "patch", "delete"]
