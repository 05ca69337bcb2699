"""Cosmo's cosmo_scim host adapter: where an accepted invitation lands."""

from django.urls import reverse

from cosmo_scim.host import HostAdapter


class CosmoHostAdapter(HostAdapter):
    def accepted_invitation_url(self, membership):
        return reverse("org-dashboard", args=[membership.organization.slug])
