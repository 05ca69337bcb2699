"""The whole of this product's cosmo_scim adapter: the fields are named in settings."""

from django.urls import reverse

from cosmo_scim.host import HostAdapter


class WorkspaceAdapter(HostAdapter):
    def accepted_invitation_url(self, membership):
        return reverse("workspace-home", args=[membership.workspace.slug])
