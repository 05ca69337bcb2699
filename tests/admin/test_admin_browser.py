"""The admin as an org admin uses it, in headless Chromium against a live server: log in,
create a SCIM key and see it once, be refused SCIM on a Team plan, rotate a key, and watch a
user the IdP provisioned a moment before appear on the provisioning overview."""

import json
import urllib.request

import pytest

from cosmo_scim import keys
from cosmo_scim.models import APIKey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "root-pass-1234"  # the superuser fixture's


def log_in(page, live_server, superuser):
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", superuser.email)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")


def add_key(page, live_server, organization, name, scim=True):
    page.goto(f"{live_server.url}/admin/cosmo_scim/apikey/add/")
    page.select_option("#id_organization", label=organization.name)
    page.fill("#id_name", name)
    if scim:
        page.check("#id_scim")
    page.click("input[name=_save]")


def test_admin_creates_a_scim_key_and_sees_it_once(
    browser_page, live_server, superuser, org, screenshot
):
    page = browser_page
    log_in(page, live_server, superuser)
    add_key(page, live_server, org, "Okta")

    shown = page.input_value("#api-key")
    screenshot(page, "key-created")
    assert "shown only once" in page.inner_text("#content-main")
    api_key = keys.authenticate(f"Bearer {shown}")
    assert (api_key.name, api_key.scim, api_key.organization) == ("Okta", True, org)

    secret = shown.partition(".")[2]
    # A reload of the page that showed the key asks for the page again (a GET): the form is
    # not sent a second time, and the key is not shown a second time.
    page.reload()
    page.wait_for_selector("#key-gone")
    screenshot(page, "key-reloaded")
    assert secret not in page.content() and APIKey.objects.count() == 1
    page.click("text=Back to the API keys")
    page.wait_for_url(f"{live_server.url}/admin/cosmo_scim/apikey/")
    assert api_key.prefix in page.content() and secret not in page.content()
    page.click(f"text={api_key.name}")
    page.wait_for_selector("#rotate-key")
    screenshot(page, "key-change-page")
    assert secret not in page.content()
    page.go_back()
    page.go_back()  # the page that showed the key: asked for again, it has nothing to show
    page.wait_for_selector("#key-gone")
    assert secret not in page.content()
    assert APIKey.objects.count() == 1


def test_the_scim_checkbox_is_refused_for_a_team_plan(
    browser_page, live_server, superuser, make_org, screenshot
):
    smallco = make_org("smallco", plan="team", name="Smallco")
    page = browser_page
    log_in(page, live_server, superuser)
    add_key(page, live_server, smallco, "Okta")
    error = page.inner_text(".field-scim .errorlist")
    screenshot(page, "scim-refused")
    assert "SCIM provisioning requires the Enterprise plan" in error
    assert not APIKey.objects.exists()


def test_rotating_a_key_shows_the_new_one_once(
    browser_page, live_server, superuser, org, make_key, screenshot
):
    old, old_key = make_key(org, name="Okta")
    page = browser_page
    log_in(page, live_server, superuser)
    page.goto(f"{live_server.url}/admin/cosmo_scim/apikey/{old.pk}/change/")
    page.click("#rotate-key")
    page.click("#rotate")
    shown = page.input_value("#api-key")
    screenshot(page, "key-rotated")
    assert old.prefix in page.inner_text("#rotated-note")
    assert keys.authenticate(f"Bearer {shown}").replaces == old
    page.reload()  # no second rotation, and the new key is not shown again
    page.wait_for_selector("#key-gone")
    assert shown not in page.content() and APIKey.objects.count() == 2
    with pytest.raises(keys.KeyRejected):
        keys.authenticate(f"Bearer {old_key}")


def scim_post(live_server, key, body):
    request = urllib.request.Request(
        f"{live_server.url}/scim/v2/Users",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/scim+json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


def test_the_overview_shows_a_user_the_idp_just_provisioned(
    browser_page, live_server, superuser, org, make_key, make_member, screenshot
):
    _, key = make_key(org, name="Okta")
    make_member(org, email="hand@acme.example")
    page = browser_page
    log_in(page, live_server, superuser)
    page.goto(f"{live_server.url}/admin/organizations/organization/{org.pk}/change/")
    page.click("#scim-overview-link")
    assert page.inner_text("#count-provisioned") == "0"

    status, _ = scim_post(
        live_server,
        key,
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "jane@acme.example",
            "name": {"givenName": "Jane", "familyName": "Doe"},
            "emails": [{"value": "jane@acme.example", "primary": True, "type": "work"}],
            "active": True,
        },
    )
    assert status == 201
    page.reload()
    screenshot(page, "overview")
    assert page.inner_text("#count-provisioned") == "1"
    assert page.inner_text("#count-active") == "1"
    assert page.inner_text("#count-invitations-pending") == "1"
    latest = page.inner_text("#scim-events tr.event >> nth=0")
    assert "Provisioned" in latest and "jane@acme.example" in latest and "Okta" in latest
    orphans = page.inner_text("#scim-orphans")
    assert "hand@acme.example" in orphans and "jane@acme.example" not in orphans

    page.check("input[aria-label='Select hand@acme.example']")
    page.fill("#orphan-reason", "Left in 2023")
    page.click("#deactivate-orphans")
    page.wait_for_selector("#no-orphans")
    screenshot(page, "orphans-deactivated")
    assert "Deactivated 1 member(s): hand@acme.example" in page.inner_text(".messagelist")
    latest = page.inner_text("#scim-events tr.event >> nth=0")
    assert "Deactivated" in latest and "hand@acme.example" in latest and "Left in 2023" in latest
