"""Whether an organization may use SCIM: one rule, asked by the admin, the CLI and the API."""

from . import conf

ENTERPRISE_REQUIRED = "SCIM provisioning requires the Enterprise plan."


def scim_allowed(organization):
    return bool(conf.hook("SCIM_ALLOWED")(organization))
