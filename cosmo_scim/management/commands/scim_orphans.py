"""``manage.py scim_orphans ORG_SLUG [--deactivate --reason TEXT]``.

The orphaned access report of the admin, for scripts and scheduled reviews (the rule is in
cosmo_scim/provisioning/orphans.py). Without ``--deactivate`` it only lists; with it, each
listed member is deactivated through the lifecycle service and the audit trail names this
command.
"""

from typing import Any

from django.core.management.base import CommandParser

from ...provisioning import lifecycle, orphans
from ..organizations import OrganizationCommand


class Command(OrganizationCommand):
    help = (
        "List the active members of an organization that no identity provider will "
        "deactivate (added by hand, or provisioned through a stale IdP link); optionally "
        "deactivate them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--deactivate", action="store_true", help="Deactivate every member listed."
        )
        parser.add_argument(
            "--reason",
            default="Orphaned access review (manage.py scim_orphans)",
            help="Why, for the audit trail.",
        )

    def handle_organization(
        self, organization: Any, *, deactivate: bool, reason: str, **options: Any
    ) -> None:
        if not orphans.scim_provisioned(organization):
            self.stdout.write(f"{organization} does not provision over SCIM: nothing to report.")
            return
        found = orphans.find(organization)
        self.stdout.write(f"{len(found)} orphaned member(s) in {organization}.")
        actor = lifecycle.Actor(via="manage.py scim_orphans")
        for orphan in found:
            line = f"{orphan.person}\t{orphan.kind}: {orphan.detail}"
            if deactivate:
                changed = lifecycle.deactivate_membership(orphan.membership, actor, reason)
                line += "\tdeactivated" if changed else "\talready inactive"
            self.stdout.write(line)
        if found and not deactivate:
            self.stdout.write("Run again with --deactivate to deactivate them.")
