"""``make demo``'s seed: the printed admin login opens the admin as Acme's org admin, and the
printed key provisions."""

from io import StringIO

import pytest
from django.core.management import call_command

from cosmo_scim import keys

pytestmark = pytest.mark.django_db


def seed():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    printed = {}
    for line in out.getvalue().splitlines():
        if " : " in line:
            label, value = line.split(" : ", 1)
            printed[label.strip()] = value.strip()
    return printed


def test_the_printed_admin_login_is_acmes_org_admin(client):
    printed = seed()
    url, email, _, password, *_ = printed["Admin login"].split()
    assert url.endswith("/admin/")
    response = client.post("/admin/login/", {"username": email, "password": password})
    assert response.status_code == 302
    page = client.get("/admin/cosmo_scim/apikey/").content.decode()
    assert "Demo IdP" in page and "Acme Inc." in page

    key = printed["SCIM API key"]
    assert keys.authenticate(f"Bearer {key}").organization.slug == "acme"
    assert client.get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200


def test_seeding_twice_reuses_the_admin_and_issues_a_new_key():
    first, second = seed()["SCIM API key"], seed()["SCIM API key"]
    assert first != second
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.get(email="admin@acme.example")
    assert not admin.is_staff and admin.memberships.get().role == "admin"
