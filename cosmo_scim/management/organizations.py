"""What the management commands share: the organization a command names by its slug."""

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ..host_fields import organizations_by_slug


def organization_named(slug: str) -> Any:
    """The organization whose slug is ``slug``, or the command's error saying none is.
    Typed Any, as ``organizations_by_slug`` is: the host's organization model, which the
    commands hand to lookups on cosmo_scim's models (their foreign keys name it)."""
    try:
        return organizations_by_slug(slug).get()
    except ObjectDoesNotExist:  # the organization model's DoesNotExist
        raise CommandError(f"No organization with slug {slug!r}.") from None


class OrganizationCommand(BaseCommand):
    """A command about one organization, named by its slug as the first argument. A subclass
    adds its own arguments after ``super().add_arguments(parser)`` and does its work in
    :meth:`handle_organization`, which gets every option (``org_slug`` among them)."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("org_slug")

    def handle(self, *args: Any, **options: Any) -> None:
        self.handle_organization(organization_named(options["org_slug"]), **options)

    def handle_organization(self, *args: Any, **options: Any) -> None:
        """Called with the organization, then the options."""
        raise NotImplementedError
