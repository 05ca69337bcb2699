"""Helpers for the Group tests: bodies Okta and Entra send, and members made in bulk."""

from django.contrib.auth import get_user_model

from cosmo_project.organizations.models import Membership
from cosmo_scim.models import ScimUser

GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"


def okta_group(display_name, members=(), **extra):
    """Okta group push: ``POST /Groups {displayName, members: []}``."""
    return {
        "schemas": [GROUP_SCHEMA],
        "displayName": display_name,
        "members": [{"value": m, "display": "someone"} for m in members],
        **extra,
    }


def bulk_scim_users(org, size, prefix="bulk"):
    """``size`` SCIM users of ``org`` in a few INSERTs (a thousand POSTs would be slow)."""
    users = get_user_model().objects.bulk_create(
        get_user_model()(email=f"{prefix}{i}@{org.slug}.example") for i in range(size)
    )
    memberships = Membership.objects.bulk_create(
        Membership(user=user, organization=org, role="viewer") for user in users
    )
    return ScimUser.objects.bulk_create(
        ScimUser(organization=org, membership=m, user_name=m.user.email, display_name=f"P {i}")
        for i, m in enumerate(memberships)
    )
