"""Default implementations of the host hooks named in COSMO_SCIM."""


def is_enterprise_plan(organization):
    """SCIM provisioning is an Enterprise plan feature."""
    return getattr(organization, "plan", None) == "enterprise"
