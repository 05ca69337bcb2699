"""What the User and Group adapters share on top of django-scim2's adapter protocol."""

from ..protocol.preconditions import etag
from .locations import resource_url


class ResourceAdapterMixin:
    """``location`` and ``etag`` of a resource whose model has ``scim_id`` and ``version``."""

    id_field = "scim_id"

    @property
    def location(self):
        return resource_url(self.request, self.url_name, self.id)

    @property
    def etag(self):
        return etag(self.obj)
