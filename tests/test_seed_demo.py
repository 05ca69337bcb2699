"""``make demo``'s seed: the printed admin login opens the admin as Acme's org admin, and the
printed key provisions."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from cosmo_project.organizations.models import Organization
from cosmo_scim import keys
from cosmo_scim.models import APIKey

pytestmark = pytest.mark.django_db


def seed():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    printed = {}
    for line in out.getvalue().splitlines():
        # "  Label        : value", the labels padded to 13 characters.
        if match := re.fullmatch(r"  (\S.{12}): (.*)", line):
            printed[match[1].strip()] = match[2].strip()
    return printed


def test_the_printed_admin_login_is_acmes_org_admin(client):
    printed = seed()
    url, email, _, password, *_ = printed["Admin login"].split()
    assert url.endswith("/admin/")
    response = client.post("/admin/login/", {"username": email, "password": password})
    assert response.status_code == 302
    page = client.get("/admin/cosmo_scim/apikey/").content.decode()
    # Acme's key: an admin of one organization has no organization column to read.
    assert "Demo IdP" in page

    key = printed["SCIM API key"]
    assert keys.authenticate(f"Bearer {key}").organization.slug == "acme"
    assert client.get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200


def test_seeding_again_rotates_the_demo_key():
    """Re-running shows a key again by rotating it: the new one works, the old one stops,
    and there is never a second live "Demo IdP" key."""
    first = seed()["SCIM API key"]
    second = seed()["SCIM API key"]
    assert first != second
    with pytest.raises(keys.KeyRejected, match="revoked"):
        keys.authenticate(f"Bearer {first}")
    current = keys.authenticate(f"Bearer {second}")
    live = APIKey.objects.filter(name="Demo IdP", revoked=False)
    assert list(live) == [current]
    # A rotation, not a new key: the IdP link of the members it provisioned carries over.
    assert current.replaces.revoked and current.replaces.name == "Demo IdP"

    admin = get_user_model().objects.get(email="admin@acme.example")
    assert not admin.is_staff and admin.memberships.get().role == "admin"
    assert current.created_by == admin


def test_seeding_leaves_one_live_demo_key_after_earlier_runs_made_several():
    seed()
    organization = Organization.objects.get(slug="acme")
    for _ in range(2):  # what the command did before it rotated
        APIKey.objects.create_key(organization=organization, name="Demo IdP", scim=True)
    key = seed()["SCIM API key"]
    assert list(APIKey.objects.filter(name="Demo IdP", revoked=False)) == [
        keys.authenticate(f"Bearer {key}")
    ]


def test_the_printed_links_follow_public_base_url(settings):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:9101"
    printed = seed()
    assert printed["SCIM base URL"] == "http://127.0.0.1:9101/scim/v2/"
    assert printed["Try it"].endswith(" http://127.0.0.1:9101/scim/v2/Users")
    assert printed["Admin login"].startswith("http://127.0.0.1:9101/admin/ ")
