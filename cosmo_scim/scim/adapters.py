"""What the User and Group adapters share on top of django-scim2's adapter protocol: a
resource's location and ETag, and the one way a write reaches its lifecycle service."""

from ..protocol.errors import not_found, precondition_failed
from ..protocol.preconditions import etag, if_match_versions
from ..provisioning import lifecycle
from .locations import resource_url


def expected_versions(request):
    """The versions the request's If-Match allows its write to change (None: any), for the
    service to check under its lock (RFC 7644 §3.14)."""
    return if_match_versions(request.META.get("HTTP_IF_MATCH"))


def actor_of(request):
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

    @property
    def location(self):
        return resource_url(self.request, self.url_name, self.id)

    @property
    def etag(self):
        return etag(self.obj)

    def run_write(self, write):
        """``write(organization, actor)``, with the refusals every resource shares mapped
        to SCIM errors: no such resource in the organization (404), a stale If-Match
        (412)."""
        try:
            return write(self.request.scim_organization, actor_of(self.request))
        except self.model.DoesNotExist:
            raise not_found(f"{self.resource_type} {self.obj.scim_id} not found") from None
        except lifecycle.VersionMismatch as exc:
            raise precondition_failed(str(exc)) from None

    def updating(self, change):
        """The write of ``change`` (a new value, or a pure function of the locked
        resource) to the resource the URL names, under the request's If-Match."""
        scim_id = self.obj.scim_id
        expected = expected_versions(self.request)
        service_update = type(self).service_update
        return lambda organization, actor: service_update(
            organization, scim_id, change, actor, expected_versions=expected
        )

    def delete(self):
        scim_id = self.obj.scim_id
        expected = expected_versions(self.request)
        service_remove = type(self).service_remove
        self.run_write(
            lambda organization, actor: service_remove(
                organization, scim_id, actor, expected_versions=expected
            )
        )
