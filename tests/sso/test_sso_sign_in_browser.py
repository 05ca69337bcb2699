"""A provisioned member signs in through real IdPs on loopback (node's oidc-provider,
pysaml2's IdP), in headless Chromium against the live product: no password, signed in for
that organization only, and the IdP's failures end on a page, never a 500."""

import io

import pytest
from django.core.management import call_command
from django.test import Client
from idp_browser import sign_in_through_idp
from scimkit import ScimClient

from cosmo_scim.models import AuditEvent, SsoIdentity

pytestmark = [
    pytest.mark.sso,
    pytest.mark.browser,
    pytest.mark.cosmo_only,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def product(live_server, settings):
    """The live product, its links built from the address the browser reaches."""
    settings.COSMO_SCIM = {**settings.COSMO_SCIM, "PUBLIC_BASE_URL": live_server.url}
    settings.PUBLIC_BASE_URL = live_server.url
    return live_server


def configure(*args, **env):
    out = io.StringIO()
    call_command("configure_sso", *args, stdout=out)
    return dict(line.split("=", 1) for line in out.getvalue().splitlines())


def post_again(page, acs_url, saml_response):
    """Post a captured SAML response from a fresh browser (an attacker's), as the IdP's
    auto-submitting form would; the text of the page it ends on."""
    other = page.context.browser.new_context().new_page()
    other.set_content(
        f'<form method="post" action="{acs_url}"><input name="SAMLResponse" '
        f'value="{saml_response}"></form>'
    )
    other.eval_on_selector("form", "form => form.submit()")
    other.wait_for_selector("#sso-title")
    return other.content()


def provision(org, make_key, user_name, **attrs):
    _, key = make_key(org)
    return ScimClient(Client(), key).create_user(user_name, **attrs)


def test_member_signs_in_through_oidc_with_no_password(
    product, org, make_key, make_org, oidc_idp, browser_page, monkeypatch
):
    provision(org, make_key, "jane@acme.example", externalId="okta-00u1")
    make_org("beta")
    monkeypatch.setenv("SSO_CLIENT_SECRET", "app-secret")
    urls = configure(
        "acme", "oidc", "--issuer", oidc_idp.issuer, "--client-id", "app", "--name", "Okta"
    )
    oidc_idp.add_client("app", "app-secret", [urls["redirect_uri"]])
    oidc_idp.put_account("jane", "jane-pass", "okta-00u1", email="jane@acme.example")

    sign_in_through_idp(
        browser_page, urls["login_url"], "jane", "jane-pass", lands_on=f"{product.url}/orgs/acme/"
    )

    assert "Acme Inc." in browser_page.content()
    identity = SsoIdentity.objects.get()
    assert identity.subject == "okta-00u1"
    assert AuditEvent.objects.filter(action="sso_signed_in", organization=org).count() == 1
    browser_page.goto(f"{product.url}/orgs/beta/")
    assert "Acme" not in browser_page.content()


def test_a_wrong_nonce_is_refused_on_a_page(
    product, org, make_key, oidc_idp, browser_page, monkeypatch
):
    provision(org, make_key, "jane@acme.example", externalId="okta-00u1")
    monkeypatch.setenv("SSO_CLIENT_SECRET", "app-secret")
    urls = configure("acme", "oidc", "--issuer", oidc_idp.issuer, "--client-id", "app")
    oidc_idp.add_client("app", "app-secret", [urls["redirect_uri"]])
    oidc_idp.put_account("jane", "jane-pass", "okta-00u1", email="jane@acme.example")
    oidc_idp.misbehave(nonce="not-the-one-sent")

    sign_in_through_idp(browser_page, urls["login_url"], "jane", "jane-pass")
    browser_page.wait_for_selector("#sso-title")

    assert "could not be signed in" in browser_page.text_content("#sso-title")
    assert not SsoIdentity.objects.exists()
    refusal = AuditEvent.objects.get(action="sso_refused")
    assert refusal.reason.startswith("nonce")


def test_member_signs_in_through_saml_and_a_replay_is_refused(
    product, org, make_key, saml_idp, browser_page
):
    provision(org, make_key, "sam@acme.example")
    urls = configure("acme", "saml", "--metadata-url", saml_idp.metadata_url, "--name", "Entra")
    saml_idp.trust_sp(metadata_url=urls["metadata_url"])
    saml_idp.put_user("sam", "sam-pass", "sam@acme.example")

    sign_in_through_idp(
        browser_page, urls["login_url"], "sam", "sam-pass", lands_on=f"{product.url}/orgs/acme/"
    )
    assert SsoIdentity.objects.get().subject == "sam@acme.example"

    # The same response posted again from another browser, which made no request of it.
    assert "could not be signed in" in post_again(browser_page, urls["acs_url"], saml_idp.sent[-1])
    assert AuditEvent.objects.filter(action="sso_refused").exists()


def test_idp_initiated_is_refused_unless_allowed_and_then_never_replayed(
    product, org, make_key, saml_idp, browser_page
):
    provision(org, make_key, "sam@acme.example")
    urls = configure("acme", "saml", "--metadata-url", saml_idp.metadata_url)
    saml_idp.trust_sp(metadata_url=urls["metadata_url"])
    saml_idp.put_user("sam", "sam-pass", "sam@acme.example")

    sign_in_through_idp(
        browser_page, saml_idp.idp_initiated_url(urls["entity_id"]), "sam", "sam-pass"
    )
    browser_page.wait_for_selector("#sso-title")
    assert not SsoIdentity.objects.exists()
    assert AuditEvent.objects.get(action="sso_refused").reason.startswith("protocol")

    configure("acme", "saml", "--metadata-url", saml_idp.metadata_url, "--allow-idp-initiated")
    sign_in_through_idp(
        browser_page,
        saml_idp.idp_initiated_url(urls["entity_id"]),
        "sam",
        "sam-pass",
        lands_on=f"{product.url}/orgs/acme/",
    )
    assert SsoIdentity.objects.count() == 1

    # The response the IdP sent, posted again from another browser: the replay cache.
    assert "could not be signed in" in post_again(browser_page, urls["acs_url"], saml_idp.sent[-1])
    reasons = list(AuditEvent.objects.filter(action="sso_refused").values_list("reason", flat=True))
    assert any(r.startswith("replayed") for r in reasons), reasons


def test_an_org_admins_test_sign_in_links_nobody_and_signs_nobody_in(
    product, org, make_key, make_member, make_user, oidc_idp, browser_page, monkeypatch
):
    provision(org, make_key, "jane@acme.example", externalId="okta-00u1")
    make_member(org, user=make_user("boss@acme.example", password="boss-pass-12345"), role="admin")
    monkeypatch.setenv("SSO_CLIENT_SECRET", "app-secret")
    urls = configure("acme", "oidc", "--issuer", oidc_idp.issuer, "--client-id", "app")
    oidc_idp.add_client("app", "app-secret", [urls["redirect_uri"]])
    oidc_idp.put_account("jane", "jane-pass", "okta-00u1", email="jane@acme.example")
    browser_page.goto(f"{product.url}/admin/login/")
    browser_page.fill("#id_username", "boss@acme.example")
    browser_page.fill("#id_password", "boss-pass-12345")
    browser_page.click("input[type=submit]")

    sign_in_through_idp(browser_page, urls["login_url"] + "?test=1", "jane", "jane-pass")
    browser_page.wait_for_selector("#sso-message")

    assert "resolves to the member 'jane@acme.example'" in browser_page.text_content("#sso-message")
    assert not SsoIdentity.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="sso").exists()
    browser_page.goto(f"{product.url}/admin/")
    assert "boss@acme.example" in browser_page.content()  # still the admin's own session
