"""Signing in through an organization's SAML 2.0 IdP, end to end, as a member and as an
attacker would try it: pysaml2's IdP on loopback (each bad response built and signed by
pysaml2, never edited), headless Chromium through its login form, connections made with
``configure_sso`` and members provisioned over SCIM."""

import pytest
from e2ekit import (
    assert_signed_in_by_sso_only,
    photographed_sign_in,
    reasons,
    refusal,
    saml_connection,
    signed_in_as,
)
from idp_browser import sign_in_through_idp

from cosmo_scim.models import AuditEvent, SsoIdentity

pytestmark = [pytest.mark.sso, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JANE = "jane@acme.example"
EMAIL = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"


@pytest.fixture
def acme(product, org, provisioning, saml_idp):
    """Acme with Jane provisioned over SCIM and a SAML connection whose IdP's NameID is
    her username (Okta's and Entra's default), Jane's account at the IdP."""
    jane = provisioning(org).create_user(JANE)
    printed = saml_connection(saml_idp, "acme")
    saml_idp.put_user("jane", "idp-pass-1", JANE, **{EMAIL: JANE})
    return jane, printed


def test_a_provisioned_member_signs_in_through_saml_with_no_password(
    product, org, acme, browser_page, screenshot
):
    jane, printed = acme
    page = browser_page
    lands = f"{product.url}/orgs/acme/"
    photographed_sign_in(page, screenshot, printed["login_url"], "jane", "idp-pass-1", lands)
    assert page.inner_text("#org-name") == "Acme Inc."
    assert_signed_in_by_sso_only(JANE, JANE, jane["id"])


def test_after_the_idp_changes_the_email_attribute_the_same_member_signs_in(
    product, acme, saml_idp, browser_page
):
    _, printed = acme
    lands = f"{product.url}/orgs/acme/"
    sign_in_through_idp(browser_page, printed["login_url"], "jane", "idp-pass-1", lands)
    saml_idp.put_user("jane", "idp-pass-1", JANE, **{EMAIL: "jane.doe@elsewhere.example"})
    page = browser_page.context.browser.new_page()
    sign_in_through_idp(page, printed["login_url"], "jane", "idp-pass-1", lands)
    assert signed_in_as(page, product, "acme") == JANE


@pytest.mark.parametrize(
    "switches",
    [
        {"sign_response": False, "sign_assertion": False},
        {"sha1": True},
        {"audience": "http://127.0.0.1:1/another-sp"},
        {"expired": True},
    ],
    ids=["unsigned", "sha1", "wrong-audience", "expired"],
)
def test_a_bad_response_is_refused_and_signs_nobody_in(
    product, org, acme, saml_idp, browser_page, switches
):
    _, printed = acme
    saml_idp.misbehave(**switches)
    page = browser_page
    sign_in_through_idp(page, printed["login_url"], "jane", "idp-pass-1")
    page.wait_for_selector("#sso-title")
    assert refusal(page)[0] == "You could not be signed in to Acme Inc."
    assert signed_in_as(page, product, "acme") is None
    assert not SsoIdentity.objects.exists()
    assert reasons(org) == ["protocol"]


def test_a_replayed_response_is_refused(product, org, acme, saml_idp, browser_page):
    _, printed = acme
    lands = f"{product.url}/orgs/acme/"
    sign_in_through_idp(browser_page, printed["login_url"], "jane", "idp-pass-1", lands)

    # An attacker who captured the response posts it again from their own browser.
    attacker = browser_page.context.browser.new_page()
    attacker.goto(saml_idp.replay_url)
    attacker.wait_for_selector("#sso-title")
    assert signed_in_as(attacker, product, "acme") is None
    # And in Jane's browser, where the request it answered was made, it is spent too.
    browser_page.goto(saml_idp.replay_url)
    browser_page.wait_for_selector("#sso-title")
    assert len(reasons(org)) == 2
    assert AuditEvent.objects.filter(action="sso_signed_in").count() == 1


def test_an_idp_initiated_sign_in_is_refused_unless_the_connection_allows_it(
    product, org, acme, saml_idp, browser_page, screenshot
):
    _, printed = acme
    page = browser_page
    tile = saml_idp.idp_initiated_url(printed["entity_id"])
    sign_in_through_idp(page, tile, "jane", "idp-pass-1")
    page.wait_for_selector("#sso-title")
    screenshot(page, "idp-initiated-refused")
    assert signed_in_as(page, product, "acme") is None
    assert reasons(org) == ["protocol"]

    saml_connection(saml_idp, "acme", "--allow-idp-initiated")  # the same connection, updated
    lands = f"{product.url}/orgs/acme/"
    sign_in_through_idp(page, tile, "jane", "idp-pass-1", lands)
    assert signed_in_as(page, product, "acme") == JANE

    # Allowed, and still replay-protected: the same unsolicited response again, elsewhere.
    attacker = browser_page.context.browser.new_page()
    attacker.goto(saml_idp.replay_url)
    attacker.wait_for_selector("#sso-title")
    assert signed_in_as(attacker, product, "acme") is None
    assert reasons(org)[-1] == "replayed"
