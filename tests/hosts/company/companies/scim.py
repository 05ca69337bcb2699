"""The whole of this product's cosmo_scim adapter: fields are named in settings, and the
default rules (every company may use SCIM; roles ranked by their choices) are its own."""

from django.urls import reverse

from cosmo_scim.host import HostAdapter


class CompanyAdapter(HostAdapter):
    def accepted_invitation_url(self, membership):
        return reverse("company-home", args=[membership.company.handle])
