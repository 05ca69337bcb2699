"""An organization's number of SCIM users, as the database keeps it (ScimUserCount)."""

from django.db import connections, router

from .models import ScimUser, ScimUserCount

# The databases for which migration 0005 installs the counting triggers.
COUNTED_VENDORS = ("postgresql", "sqlite")


def scim_user_count(organization):
    """The organization's ScimUser rows, counted: one primary-key read where the triggers
    keep the count, a COUNT elsewhere. No row means no user was ever provisioned."""
    using = router.db_for_read(ScimUser)
    if connections[using].vendor not in COUNTED_VENDORS:
        return ScimUser.objects.using(using).filter(organization=organization).count()
    users = (
        ScimUserCount.objects.using(using)
        .filter(organization=organization)
        .values_list("users", flat=True)
        .first()
    )
    return users or 0
