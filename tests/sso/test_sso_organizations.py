"""SSO across organizations and their rules, end to end through the real IdPs: requiring SSO
refuses a password session for that organization only, invitations are accepted through
SSO, and one person in two organizations signs in through each one's own IdP — a sign-in
through one never opens the other."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from e2ekit import oidc_connection, saml_connection, signed_in_as
from idp_browser import sign_in_at_idp, sign_in_through_idp
from scimkit import accept_link

from cosmo_scim.models import SsoIdentity

pytestmark = [pytest.mark.sso, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JANE = "jane@acme.example"
PASSWORD = "jane-product-pass-42"


def account():
    return get_user_model()._default_manager.get(email=JANE)


def log_in_with_password(page, product):
    page.goto(f"{product.url}/accounts/login/")
    page.fill("#id_username", JANE)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{product.url}/")


def test_required_sso_sends_a_password_session_to_the_idp_for_that_organization_only(
    product, org, other_org, provisioning, make_member, oidc_idp, browser_page, screenshot
):
    provisioning(org).create_user(JANE, externalId="00u-jane")
    person = account()
    person.set_password(PASSWORD)  # she chose one before Acme required SSO
    person.save()
    make_member(other_org, user=person)  # Globex added her by hand; it does not require SSO
    printed = oidc_connection(oidc_idp, "acme", "--require")
    assert printed["required"] == "yes"
    oidc_idp.put_account("jane", "idp-pass-1", "00u-jane", email=JANE, email_verified=True)

    page = browser_page
    log_in_with_password(page, product)
    assert signed_in_as(page, product, "globex") == JANE
    page.goto(f"{product.url}/orgs/acme/")  # off to Acme's IdP instead
    page.wait_for_selector("#idp-login")
    assert page.url.startswith(oidc_idp.issuer)
    screenshot(page, "acme-sends-to-its-idp")

    sign_in_at_idp(page, "jane", "idp-pass-1")
    page.wait_for_url(f"{product.url}/orgs/acme/")
    assert signed_in_as(page, product, "acme") == JANE
    assert signed_in_as(page, product, "globex") == JANE  # her password session still counts


def test_an_invitation_is_accepted_through_sso_without_a_password(
    product, org, provisioning, saml_idp, browser_page, screenshot
):
    printed = saml_connection(saml_idp, "acme", "--require")
    saml_idp.put_user("jane", "idp-pass-1", JANE)
    provisioning(org).create_user(JANE)
    [invitation] = mail.outbox

    page = browser_page
    page.goto(accept_link(invitation))
    assert page.inner_text("#invitation-title").startswith("Join Acme Inc.")
    assert page.locator("input[type=password]").count() == 0  # SSO only: no password to set
    screenshot(page, "invitation-sso-only")
    page.click("text=Continue with Entra")
    sign_in_at_idp(page, "jane", "idp-pass-1")
    page.wait_for_selector("#accept")
    page.click("#accept")
    page.wait_for_url(f"{product.url}/orgs/acme/")
    assert signed_in_as(page, product, "acme") == JANE
    assert not account().has_usable_password()
    assert SsoIdentity.objects.get().connection.key in printed["login_url"]


def test_one_person_in_two_organizations_signs_in_through_each_ones_idp(
    product, org, other_org, provisioning, oidc_idp, saml_idp, browser_page
):
    acme_login = oidc_connection(oidc_idp, "acme")["login_url"]
    globex_login = saml_connection(saml_idp, "globex", name="Globex SAML")["login_url"]
    oidc_idp.put_account("jane", "acme-idp-pass", "00u-jane", email=JANE, email_verified=True)
    saml_idp.put_user("jane.globex", "globex-idp-pass", "jdoe@globex.example")
    provisioning(org).create_user(JANE, externalId="00u-jane")
    mail.outbox.clear()
    # Globex's IdP provisions the same person (by her address): her account is attached,
    # pending her consent, which Globex's invitation asks for.
    provisioning(other_org).create_user("jdoe@globex.example", email=JANE)
    [invitation] = mail.outbox

    page = browser_page
    sign_in_through_idp(page, acme_login, "jane", "acme-idp-pass", f"{product.url}/orgs/acme/")
    assert signed_in_as(page, product, "globex") is None  # not yet a member there

    # She accepts Globex's invitation (its link is her consent); Globex then opens only
    # once its own IdP has signed her in, not on Acme's IdP's word.
    page.goto(accept_link(invitation))
    page.click("#accept")
    page.wait_for_selector("#idp-login")
    assert page.url.startswith(saml_idp.base_url)
    sign_in_at_idp(page, "jane.globex", "globex-idp-pass")
    page.wait_for_url(f"{product.url}/orgs/globex/")
    # Signed in through both IdPs, this session opens both organizations.
    assert signed_in_as(page, product, "globex") == JANE
    assert signed_in_as(page, product, "acme") == JANE

    # Another browser signed in through Globex's IdP alone opens Globex, never Acme.
    other = browser_page.context.browser.new_context().new_page()
    lands = f"{product.url}/orgs/globex/"
    sign_in_through_idp(other, globex_login, "jane.globex", "globex-idp-pass", lands)
    assert signed_in_as(other, product, "acme") is None
    assert signed_in_as(other, product, "globex") == JANE
    assert SsoIdentity.objects.count() == 2
