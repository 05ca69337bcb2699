"""An org admin verifies a domain in headless Chromium against a live server and a DNS
server on loopback; an operator revokes it. Screenshots of each page go to
test-artifacts/."""

import pytest
from conftest import PASSWORD

from cosmo_scim.models import VerifiedDomain

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base, email, password):
    page.goto(f"{base}/admin/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")


def test_an_org_admin_verifies_a_domain_and_an_operator_revokes_it(
    browser_page, live_server, world, dns_zone, superuser, screenshot
):
    page, base = browser_page, live_server.url
    sign_in(page, base, "ann@acme.example", PASSWORD)
    assert "Verified domains" in page.inner_text("#content-main")

    page.goto(f"{base}/admin/cosmo_scim/verifieddomain/add/")
    assert "verify your domain to let your identity provider change logins" in (
        page.inner_text("#content-main").lower()
    )
    page.select_option("#id_organization", label="Acme Inc.")
    page.fill("#id_domain", "Acme.Example")
    screenshot(page, "add")
    page.click("input[name=_save]")

    name, value = page.inner_text("#txt-name"), page.inner_text("#txt-value")
    claim = VerifiedDomain.objects.get()
    assert (name, value) == (claim.txt_name, claim.txt_value)
    page.click("#verify-now")
    assert "No TXT record found" in page.inner_text(".messagelist")
    screenshot(page, "not-found")

    dns_zone.publish(name, value)
    page.click("#verify-now")
    assert "Verified acme.example" in page.inner_text(".messagelist")
    assert "Verified on" in page.inner_text("fieldset")
    screenshot(page, "verified")
    page.goto(f"{base}/admin/cosmo_scim/verifieddomain/")
    screenshot(page, "list")
    assert "globex" not in page.content().lower()

    page.context.clear_cookies()
    sign_in(page, base, "root@cosmo.example", "root-pass-1234")
    page.goto(f"{base}/admin/cosmo_scim/verifieddomain/{claim.pk}/change/")
    page.click("#revoke-verification")
    page.fill("#reason", "The domain was sold.")
    screenshot(page, "revoke-confirm")
    page.click("#revoke")
    assert "Verification revoked on" in page.inner_text("fieldset")
    screenshot(page, "revoked")
    claim.refresh_from_db()
    assert not claim.is_verified
