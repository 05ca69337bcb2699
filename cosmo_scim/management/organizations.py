"""What the management commands share: the organization a command names by its slug."""

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import CommandError

from ..host_fields import organizations_by_slug


def organization_named(slug: str) -> Any:
    """The organization whose slug is ``slug``, or the command's error saying none is.
    Typed Any, as ``organizations_by_slug`` is: the host's organization model, which the
    commands hand to lookups on cosmo_scim's models (their foreign keys name it)."""
    try:
        return organizations_by_slug(slug).get()
    except ObjectDoesNotExist:  # the organization model's DoesNotExist
        raise CommandError(f"No organization with slug {slug!r}.") from None
