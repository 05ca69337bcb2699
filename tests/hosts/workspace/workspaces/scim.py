"""The whole of this product's cosmo_scim adapter: the fields are named in settings; SCIM is
part of the Enterprise plan."""

from django.urls import reverse

from cosmo_scim.host import HostAdapter


class WorkspaceAdapter(HostAdapter):
    def scim_allowed(self, organization):
        return organization.plan == "enterprise"

    def accepted_invitation_url(self, membership):
        return reverse("workspace-home", args=[membership.workspace.slug])
