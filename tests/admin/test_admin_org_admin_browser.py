"""An org admin in headless Chromium against a live server: no staff flag, signs in at
/admin/ with their own email and password, creates a SCIM key for their organization (the
only one offered), sees it once, and sees nothing of the other organization on the key and
audit lists."""

import pytest
from conftest import PASSWORD

from cosmo_scim import keys

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_org_admin_signs_in_and_creates_a_key_for_their_organization(
    browser_page, live_server, world, screenshot
):
    page = browser_page
    assert not world.ann.is_staff
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "ann@acme.example")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")
    screenshot(page, "org-admin-index")
    assert "API keys" in page.inner_text("#content-main")

    page.goto(f"{live_server.url}/admin/cosmo_scim/apikey/add/")
    offered = page.eval_on_selector_all(
        "#id_organization option", "options => options.map(o => o.textContent.trim())"
    )
    assert [label for label in offered if label.strip("-")] == ["Acme Inc."]
    page.select_option("#id_organization", label="Acme Inc.")
    page.fill("#id_name", "Okta")
    page.check("#id_scim")
    page.click("input[name=_save]")

    shown = page.input_value("#api-key")
    screenshot(page, "org-admin-key-created")
    assert "shown only once" in page.inner_text("#content-main")
    api_key = keys.authenticate(f"Bearer {shown}")
    assert (api_key.organization, api_key.scim, api_key.created_by) == (world.a, True, world.ann)

    page.click("text=I have stored the key")
    page.wait_for_url(f"{live_server.url}/admin/cosmo_scim/apikey/")
    listing = page.content()
    assert api_key.prefix in listing and shown.partition(".")[2] not in listing
    assert "globex" not in listing.lower() and world.key_b.prefix not in listing

    page.goto(f"{live_server.url}/admin/cosmo_scim/auditevent/")
    screenshot(page, "org-admin-audit")
    audit = page.content()
    assert "jane@acme.example" in audit and "globex" not in audit.lower()
