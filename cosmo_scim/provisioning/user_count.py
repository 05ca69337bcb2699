"""An organization's number of SCIM users, as the database keeps it (ScimUserCount)."""

from dataclasses import dataclass

from django.db import connections, router

from ..models import ScimUser, ScimUserCount

# The databases for which migration 0005 installs the counting triggers.
COUNTED_VENDORS = ("postgresql", "sqlite")


@dataclass(frozen=True)
class UserCount:
    users: int
    changes: int  # see ScimUserCount.changes


def user_count(organization):
    """The organization's ScimUser rows, counted by the triggers: one primary-key read
    (no row: no user was ever provisioned). None where no trigger counts them."""
    using = router.db_for_read(ScimUser)
    if connections[using].vendor not in COUNTED_VENDORS:
        return None
    row = (
        ScimUserCount.objects.using(using)
        .filter(organization=organization)
        .values_list("users", "changes")
        .first()
    )
    return UserCount(*row) if row else UserCount(0, 0)
