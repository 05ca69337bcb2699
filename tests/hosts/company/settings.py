"""Settings of the company host (an email-login ``Account`` without ``username``, UUID
keys, ``Company``, ``Seat``, ``Crew``) on top of what every test host shares."""

from tests.hosts.common_settings import *  # noqa: F403
from tests.hosts.common_settings import installed_apps

SECRET_KEY = "company-test-host-" + "0" * 40
INSTALLED_APPS = installed_apps("tests.hosts.company.companies")
ROOT_URLCONF = "tests.hosts.company.urls"
AUTH_USER_MODEL = "companies.Account"
DEFAULT_FROM_EMAIL = "Company <no-reply@company.example>"

COSMO_SCIM = {
    "ORGANIZATION_MODEL": "companies.Company",
    "MEMBERSHIP_MODEL": "companies.Seat",
    "TEAM_MODEL": "companies.Crew",
    "ORGANIZATION_FIELDS": {"slug": "handle"},
    "MEMBERSHIP_FIELDS": {"person": "holder", "organization": "company", "active": "is_enabled"},
    "TEAM_FIELDS": {"organization": "company", "name": "label", "members": "seats"},
    "PERSON_FIELDS": {"given_name": "given_name", "family_name": "family_name"},
    "HOST_ADAPTER": "tests.hosts.company.companies.scim.CompanyAdapter",
    "PRODUCT_NAME": "Ledgerly",
    "API_KEY_PREFIX": "co_",
}
