"""The invitation pages as the app ships them, in headless Chromium: a person the IdP just
provisioned opens the link of the email a real SMTP server received, chooses a password,
accepts, and lands in the product signed in.

Cosmo dresses these pages in its own layout; the other test hosts (tests/hosts/) use the
app's stand-alone ``cosmo_scim/invitations/base.html``. Chromium posts a form with
``Origin: null`` when its page says ``<meta name="referrer" content="no-referrer">``, which
Django's CSRF check refuses (403): only a real browser shows that, not the test client."""

import email
from email import policy
from importlib import import_module

import pytest
from scimkit import host, user_body

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def mailed_link(smtp, live_server):
    """The link in the email the SMTP server received, as the person's mail client shows it."""
    (envelope,) = smtp.handler.messages
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()
    (link,) = [word for word in text.split() if word.startswith(f"{live_server.url}/invitations/")]
    return link


def test_a_provisioned_person_accepts_in_a_browser_and_lands_signed_in(
    browser_page, live_server, scim, smtp, settings, screenshot
):
    settings.COSMO_SCIM = {**settings.COSMO_SCIM, "PUBLIC_BASE_URL": live_server.url}
    smtp.start()
    created = scim.post("/Users", user_body("jane@acme.example"))
    assert created.status_code == 201
    link = mailed_link(smtp, live_server)

    page = browser_page
    opened = page.goto(link)
    assert page.url == f"{live_server.url}/invitations/accept/"  # the token left the URL
    assert opened.headers["referrer-policy"] == "same-origin"
    assert page.locator("meta[name=referrer]").count() == 0
    assert page.inner_text("#invitation-email") == "jane@acme.example"
    page.fill("#id_new_password1", "stellar-nebula-42")
    page.fill("#id_new_password2", "stellar-nebula-42")
    screenshot(page, "accept")
    with page.expect_navigation() as landed:
        page.click("#accept")
    membership = host.membership_of(created.json()["id"])
    assert landed.value.status == 200, page.content()
    assert page.url == live_server.url + host.landing_url(membership)

    (cookie,) = [c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME]
    session = import_module(settings.SESSION_ENGINE).SessionStore(cookie["value"]).load()
    assert str(session["_auth_user_id"]) == str(host.person(membership).pk)
    assert host.active(membership)
