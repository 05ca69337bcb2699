"""Cosmo's cosmo_scim host adapter: Cosmo's own rules (SCIM is an Enterprise feature), how
its plan is named, where an accepted invitation lands. Its roles (admin > developer >
viewer, ``Membership.Role``) are ranked by the default adapter in the order of their
choices, and ``viewer``, the field's default, is the role of a member no mapped group
ranks."""

from django.urls import reverse

from cosmo_scim.host import HostAdapter

from .models import Organization


class CosmoHostAdapter(HostAdapter):
    def scim_allowed(self, organization):
        return organization.plan == Organization.Plan.ENTERPRISE

    def scim_refusal(self, organization):
        return f"SCIM provisioning requires the Enterprise plan, and {organization} is not on it."

    def accepted_invitation_url(self, membership):
        return reverse("org-dashboard", args=[membership.organization.slug])
