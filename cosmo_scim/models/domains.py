"""Email domains an organization has proven it controls (a DNS TXT record it published).

A verified domain is how an organization earns the right to change the accounts of people
whose login addresses are in it (provisioning/ownership.py): the same answer Atlassian
Guard, GitHub's managed users, Slack and WorkOS give to "which organization may change this
account". A domain is verified by at most one organization at a time.

The DNS check and the state changes (claim, verify, revoke, each audited) are in
provisioning/domains.py; the one written form of a domain in domain_names.py.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils import timezone

from .. import conf
from ..domain_names import domain_of
from .columns import organization_key

__all__ = ["VerifiedDomain", "VerifiedDomainManager", "domain_of", "new_verification_token"]

if TYPE_CHECKING:
    from ..host import Organization


def new_verification_token() -> str:
    """The value an organization publishes in its TXT record (not a secret: it is public
    in DNS once published; it only has to be unguessable before that)."""
    return secrets.token_urlsafe(24)


class VerifiedDomainQuerySet(models.QuerySet):
    def verified(self) -> VerifiedDomainQuerySet:
        """Domains whose TXT record was found and whose verification stands."""
        return self.filter(verified_at__isnull=False, revoked_at__isnull=True)


_VerifiedDomainManagerBase = models.Manager.from_queryset(VerifiedDomainQuerySet)


class VerifiedDomainManager(_VerifiedDomainManagerBase):
    def covers(self, organization: Organization, *addresses: str) -> bool:
        """Are all ``addresses`` in domains ``organization`` has verified? False for none,
        and for an address without a domain."""
        domains = {domain_of(address) for address in addresses}
        if not domains or "" in domains:
            return False
        found = self.verified().filter(organization=organization, domain__in=domains)
        return found.count() == len(domains)


class VerifiedDomain(models.Model):
    """One organization's claim on an email domain, verified once its TXT record is seen."""

    class Check(models.TextChoices):
        """What the latest DNS check found, in the words an org admin reads."""

        FOUND = "found", "the TXT record was found"
        ABSENT = "absent", "no TXT record was found at the name to publish"
        MISMATCH = "mismatch", "TXT records were found at the name, none with this value"
        UNAVAILABLE = "unavailable", "DNS could not be asked (no answer in time)"
        TAKEN = "taken", "the record was found, but another organization has verified the domain"

    organization = organization_key("scim_domains")
    # domain_names.normalize's form: ASCII (IDNA), lower-case, no trailing dot.
    domain = models.CharField(max_length=253)
    token = models.CharField(max_length=64, default=new_verification_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    verified_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    check_result = models.CharField(
        max_length=16, choices=Check.choices, blank=True, default="", editable=False
    )

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

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None and self.revoked_at is None

    @property
    def txt_name(self) -> str:
        """Where the organization publishes its TXT record: a name of its own under the
        domain, so the record sits beside none of the domain's mail (SPF) records."""
        return f"_{conf.get('DOMAIN_TXT_LABEL')}.{self.domain}"

    @property
    def txt_value(self) -> str:
        return f"{conf.get('DOMAIN_TXT_LABEL')}={self.token}"
