"""What the User and Group adapters share on top of django-scim2's adapter protocol: a
resource's location and ETag, and the one way a write reaches its lifecycle service."""

from collections.abc import Callable
from typing import Any, TypeAlias

from django.http import HttpRequest

from ..host import Organization
from ..models import ScimGroup, ScimUser
from ..protocol.documents import JsonObject
from ..protocol.errors import not_found, precondition_failed
from ..protocol.preconditions import etag, if_match_versions
from ..provisioning import lifecycle
from .locations import resource_url
from .request import ScimRequest

# A write to run: ``write(organization, actor)``, the service call.
Write: TypeAlias = Callable[[Organization, lifecycle.Actor], Any]


def expected_versions(request: HttpRequest) -> set[int] | None:
    """The versions the request's If-Match allows its write to change (None: any), for the
    service to check under its lock (RFC 7644 §3.14)."""
    return if_match_versions(request.META.get("HTTP_IF_MATCH"))


def actor_of(request: ScimRequest) -> lifecycle.Actor:
    return lifecycle.Actor(
        api_key=request.scim_key,
        request_id=request.scim_request_id,
        remote_addr=request.META.get("REMOTE_ADDR"),
    )


class ResourceAdapterMixin:
    """For a resource whose model has ``scim_id`` and ``version``. Subclasses name their
    service's ``update(organization, scim_id, change, actor, *, expected_versions)`` and
    ``remove(organization, scim_id, actor, *, expected_versions)`` as ``service_update``
    and ``service_remove``."""

    id_field = "scim_id"
    # Given by the subclass and django-scim2's adapter (declared here for the type checker).
    request: ScimRequest
    model: type[ScimUser] | type[ScimGroup]
    service_update: Callable[..., Any]
    service_remove: Callable[..., Any]
    obj: Any
    id: str
    url_name: str
    resource_type: str

    def validate_dict(self, d: JsonObject) -> None:
        """Validation happens while parsing, in the subclass's ``from_dict``."""

    @property
    def location(self) -> str:
        return resource_url(self.request, self.url_name, self.id)

    @property
    def etag(self) -> str:
        return etag(self.obj)

    def run_write(self, write: Write) -> Any:
        """``write(organization, actor)``, with the refusals every resource shares mapped
        to SCIM errors: no such resource in the organization (404), a stale If-Match
        (412)."""
        try:
            return write(self.request.scim_organization, actor_of(self.request))
        except self.model.DoesNotExist:
            raise not_found(f"{self.resource_type} {self.obj.scim_id} not found") from None
        except lifecycle.VersionMismatch as exc:
            raise precondition_failed(str(exc)) from None

    def updating(self, change: object) -> Write:
        """The write of ``change`` (a new value, or a pure function of the locked
        resource) to the resource the URL names, under the request's If-Match."""
        scim_id = self.obj.scim_id
        expected = expected_versions(self.request)
        service_update = type(self).service_update
        return lambda organization, actor: service_update(
            organization, scim_id, change, actor, expected_versions=expected
        )

    def delete(self) -> None:
        scim_id = self.obj.scim_id
        expected = expected_versions(self.request)
        service_remove = type(self).service_remove
        self.run_write(
            lambda organization, actor: service_remove(
                organization, scim_id, actor, expected_versions=expected
            )
        )
