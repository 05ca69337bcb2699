"""``manage.py verify_domain ORG_SLUG DOMAIN``: claim an email domain for an organization
and check its DNS TXT record, the admin's *Verify now* for scripts.

Contract relied on by tooling (docs/integrate.md): stdout's first lines are
``txt_name=<name>`` and ``txt_value=<value>``, the record to publish; then one sentence
saying what the check found. The exit status:

- 0: the domain is verified (now, or already was);
- 3: not verified yet: no record with this value, or DNS could not be asked right now;
  publish the record and run the command again;
- 1: an error running again will not fix: no such organization, not a domain an
  organization can verify, or the domain is verified by another organization.
"""

from typing import Any

from django.core.management.base import CommandError, CommandParser

from ...domain_names import InvalidDomain
from ...provisioning import domains
from ...provisioning.lifecycle import Actor
from ..organizations import OrganizationCommand

NOT_YET = 3


class Command(OrganizationCommand):
    help = (
        "Claim DOMAIN for the organization, print the DNS TXT record to publish "
        "(txt_name=, txt_value=) and check it: exit 0 once verified, 3 while not yet, "
        "1 on an error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("domain")

    def handle_organization(self, organization: Any, *, domain: str, **options: Any) -> None:
        try:
            claim, _created = domains.claim(organization, domain)
        except InvalidDomain as invalid:
            raise CommandError(str(invalid)) from None
        self.stdout.write(f"txt_name={claim.txt_name}")
        self.stdout.write(f"txt_value={claim.txt_value}")
        outcome = domains.verify(claim, Actor(via="manage.py verify_domain"))
        if outcome.result == claim.Check.TAKEN:
            raise CommandError(outcome.message)
        self.stdout.write(outcome.message)
        if not outcome.verified:
            raise SystemExit(NOT_YET)
