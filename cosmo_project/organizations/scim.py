"""Cosmo's cosmo_scim host adapter: how its plan is named, where an accepted invitation
lands."""

from django.urls import reverse

from cosmo_scim.host import HostAdapter


class CosmoHostAdapter(HostAdapter):
    def scim_refusal(self, organization):
        return f"SCIM provisioning requires the Enterprise plan, and {organization} is not on it."

    def accepted_invitation_url(self, membership):
        return reverse("org-dashboard", args=[membership.organization.slug])
