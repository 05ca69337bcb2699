"""What the management commands share: the organization a command names by its slug."""

from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import CommandError

from ..host import Organization
from ..host_fields import organizations_by_slug


def organization_named(slug: str) -> Organization:
    """The organization whose slug is ``slug``, or the command's error saying none is."""
    try:
        return organizations_by_slug(slug).get()
    except ObjectDoesNotExist:  # the organization model's DoesNotExist
        raise CommandError(f"No organization with slug {slug!r}.") from None
