"""Default implementations of the host hooks named in COSMO_SCIM."""


def is_enterprise_plan(organization):
    """SCIM provisioning is an Enterprise plan feature."""
    return getattr(organization, "plan", None) == "enterprise"


# Highest first. A role the ranking does not know ranks below all of them.
ROLE_RANKING = ("admin", "developer", "viewer")
DEFAULT_ROLE = "viewer"


def highest_role(organization, roles):
    """A member's role from their mapped IdP groups: the highest one, else the default.

    Okta and Entra put a person in several groups at once (``Engineering`` and ``Admins``);
    the most privileged mapped group wins, and leaving every mapped group falls back to the
    least privileged role rather than keeping a stale one.
    """
    if not roles:
        return DEFAULT_ROLE

    def rank(role):
        return ROLE_RANKING.index(role) if role in ROLE_RANKING else len(ROLE_RANKING)

    return min(sorted(roles), key=rank)
