"""The create_organization / create_api_key contract that other tools rely on."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cosmo_project.organizations.models import Organization
from cosmo_scim import keys
from cosmo_scim.models import APIKey

pytestmark = pytest.mark.django_db


def run(*args, **kwargs):
    out = StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


def test_create_organization():
    output = run("create_organization", "globex", "--name", "Globex", "--plan", "enterprise")
    organization = Organization.objects.get(slug="globex")
    assert (organization.name, organization.plan) == ("Globex", "enterprise")
    assert "globex" in output


def test_create_organization_again_updates_name_and_plan():
    run("create_organization", "globex", "--name", "Globex", "--plan", "team")
    run("create_organization", "globex", "--name", "Globex Corp", "--plan", "enterprise")
    organization = Organization.objects.get(slug="globex")
    assert (organization.name, organization.plan) == ("Globex Corp", "enterprise")


def test_create_organization_rejects_unknown_plan():
    with pytest.raises(CommandError):
        call_command("create_organization", "x", "--name", "X", "--plan", "platinum")


def test_create_api_key_prints_the_key_as_last_line(org):
    output = run("create_api_key", "acme", "--name", "Okta", "--scim")
    lines = output.strip().splitlines()
    key = lines[-1]
    api_key = keys.authenticate(f"Bearer {key}")
    assert api_key.organization == org and api_key.scim and api_key.name == "Okta"
    secret = key.partition(".")[2]
    assert all(secret not in line for line in lines[:-1])


def test_create_api_key_without_scim(org):
    key = run("create_api_key", "acme", "--name", "CI").strip().splitlines()[-1]
    assert keys.authenticate(f"Bearer {key}").scim is False


def test_create_api_key_with_expiry(org):
    key = run("create_api_key", "acme", "--name", "Temp", "--expires-in-days", "7")
    api_key = APIKey.objects.get(prefix=keys.parse_prefix(key.strip().splitlines()[-1]))
    assert api_key.expiry_date is not None
    assert 6 <= (api_key.expiry_date - api_key.created).days <= 7


def test_create_api_key_refuses_scim_outside_enterprise(make_org):
    make_org("smallco", plan="team")
    with pytest.raises(CommandError, match="Enterprise plan") as refused:
        call_command("create_api_key", "smallco", "--name", "Okta", "--scim")
    assert "CosmoHostAdapter.scim_allowed" in str(refused.value)  # what a host overrides
    assert not APIKey.objects.exists()


def test_create_api_key_unknown_organization():
    with pytest.raises(CommandError, match="No organization"):
        call_command("create_api_key", "nope", "--name", "Okta")
