"""Email domains an organization has proven it controls (a DNS TXT record it published).

A verified domain is how an organization earns the right to change the accounts of people
whose login addresses are in it (provisioning/ownership.py): the same answer Atlassian
Guard, GitHub's managed users, Slack and WorkOS give to "which organization may change this
account". A domain is verified by at most one organization at a time.
"""

import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone

from .. import conf


def new_verification_token() -> str:
    """The value an organization publishes in its TXT record (not a secret: it is public
    in DNS once published; it only has to be unguessable before that)."""
    return secrets.token_urlsafe(24)


def domain_of(address: str) -> str:
    """The domain part of an email address, lower-cased ("" when there is none)."""
    _, at, domain = (address or "").rpartition("@")
    return domain.lower() if at else ""


class VerifiedDomainQuerySet(models.QuerySet):
    def verified(self) -> "VerifiedDomainQuerySet":
        """Domains whose TXT record was found and whose verification stands."""
        return self.filter(verified_at__isnull=False, revoked_at__isnull=True)


class VerifiedDomainManager(models.Manager.from_queryset(VerifiedDomainQuerySet)):
    def covers(self, organization, *addresses: str) -> bool:
        """Are all ``addresses`` in domains ``organization`` has verified? False for none,
        and for an address without a domain."""
        domains = {domain_of(address) for address in addresses}
        if not domains or "" in domains:
            return False
        found = self.verified().filter(organization=organization, domain__in=domains)
        return found.count() == len(domains)


class VerifiedDomain(models.Model):
    """One organization's claim on an email domain, verified once its TXT record is seen."""

    organization = models.ForeignKey(
        conf.get("ORGANIZATION_MODEL"), on_delete=models.CASCADE, related_name="scim_domains"
    )
    # Lower-case, no trailing dot (domain_of's form).
    domain = models.CharField(max_length=253)
    token = models.CharField(max_length=64, default=new_verification_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    verified_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = VerifiedDomainManager()

    class Meta:
        verbose_name = "verified domain"
        constraints = [
            models.UniqueConstraint(
                fields=("organization", "domain"), name="cosmo_scim_domain_per_org"
            ),
            # A domain verified by one organization cannot be verified by another.
            models.UniqueConstraint(
                fields=("domain",),
                condition=Q(verified_at__isnull=False, revoked_at__isnull=True),
                name="cosmo_scim_domain_verified_once",
            ),
        ]

    def __str__(self) -> str:
        return self.domain
