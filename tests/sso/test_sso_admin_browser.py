"""A connection in the admin, in headless Chromium: the page shows what to paste into the
IdP and never the stored secret, and its "Test sign-in" goes through the real IdP and shows
whom the answer resolves to, signing nobody in and linking nothing."""

import pytest
from e2ekit import oidc_connection
from idp_browser import sign_in_at_idp

from cosmo_scim.models import SsoConnection, SsoIdentity

pytestmark = [pytest.mark.sso, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_admin_test_sign_in_resolves_a_member_and_signs_nobody_in(
    product, org, provisioning, superuser, oidc_idp, browser_page, screenshot
):
    provisioning(org).create_user("jane@acme.example", externalId="00u-jane")
    printed = oidc_connection(oidc_idp, "acme")
    oidc_idp.put_account("jane", "idp-pass-1", "00u-jane", email="jane@acme.example")
    connection = SsoConnection.objects.get()

    page = browser_page
    page.goto(f"{product.url}/admin/login/")
    page.fill("#id_username", superuser.email)
    page.fill("#id_password", "root-pass-1234")  # the superuser fixture's
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")
    page.goto(f"{product.url}/admin/cosmo_scim/ssoconnection/{connection.pk}/change/")
    screenshot(page, "connection")
    settings_shown = page.inner_text(".cosmo-sso-settings")
    assert printed["redirect_uri"] in settings_shown and printed["login_url"] in settings_shown
    assert "acme-client-secret" not in page.content()  # e2ekit's secret for acme

    with page.context.expect_page() as opened:
        page.click("#sso-test")
    test = opened.value
    sign_in_at_idp(test, "jane", "idp-pass-1")
    test.wait_for_selector("#sso-title")
    screenshot(test, "test-result")
    assert test.inner_text("#sso-title") == "Test sign-in through Okta"
    assert "resolves to the member 'jane@acme.example'" in test.inner_text("#sso-message")
    assert not SsoIdentity.objects.exists()
    page.reload()  # still the operator's own session
    assert superuser.email in page.inner_text("#user-tools").lower()
