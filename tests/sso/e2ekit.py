"""The end-to-end SSO tests' steps, as an operator, an IdP and a person take them: connections
set up with ``configure_sso`` (the command), members provisioned with SCIM over HTTP, the
IdP told about the product's URLs the command printed, and pages read as a person reads them.
"""

import io
import os
from unittest import mock

import requests
from django.contrib.auth import get_user_model
from django.core.management import call_command
from idp_browser import sign_in_at_idp
from scimkit import deactivate_patch, user_body

from cosmo_scim.models import AuditEvent, SsoIdentity


def configure_sso(slug, protocol, *args, secret=None):
    """Run ``manage.py configure_sso`` and return its ``key=value`` lines as a dict. The
    client secret goes in through the environment, as the command requires."""
    out = io.StringIO()
    env = {"SSO_CLIENT_SECRET": secret} if secret is not None else {}
    with mock.patch.dict(os.environ, env):
        call_command("configure_sso", slug, protocol, *args, stdout=out)
    return dict(line.split("=", 1) for line in out.getvalue().splitlines() if "=" in line)


def oidc_connection(oidc_idp, slug, *args, client_id=None, name="Okta"):
    """An OIDC connection for the organization, and its client registered at the IdP with
    the redirect URI the command printed (what an admin pastes into Okta)."""
    client_id = client_id or f"{slug}-cosmo"
    secret = f"{slug}-client-secret"
    printed = configure_sso(
        slug,
        "oidc",
        "--issuer",
        oidc_idp.issuer,
        "--client-id",
        client_id,
        "--name",
        name,
        *args,
        secret=secret,
    )
    oidc_idp.add_client(client_id, secret, [printed["redirect_uri"]])
    return printed


def saml_connection(saml_idp, slug, *args, name="Entra"):
    """A SAML connection for the organization from the IdP's metadata URL, and the IdP
    trusting the product's SP metadata from the URL the command printed."""
    printed = configure_sso(
        slug, "saml", "--metadata-url", saml_idp.metadata_url, "--name", name, *args
    )
    saml_idp.trust_sp(metadata_url=printed["metadata_url"])
    return printed


class Scim:
    """An organization's IdP provisioning over HTTP against the live server."""

    def __init__(self, base_url, key):
        self.base = f"{base_url}/scim/v2"
        self.headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/scim+json"}

    def create_user(self, user_name, **attrs):
        answer = requests.post(
            f"{self.base}/Users", json=user_body(user_name, **attrs), headers=self.headers
        )
        assert answer.status_code == 201, answer.text
        return answer.json()

    def deactivate(self, scim_id):
        answer = requests.patch(
            f"{self.base}/Users/{scim_id}", json=deactivate_patch(), headers=self.headers
        )
        assert answer.status_code == 200, answer.text


def refusal(page):
    """The refusal page's title and message, as the person reads them."""
    return page.inner_text("#sso-title"), page.inner_text("#sso-message")


def signed_in_as(page, product, slug):
    """Whom the product's page for the organization shows signed in, or None when it is
    not shown: the browser sent to log in (or to the organization's IdP), or refused."""
    page.goto(f"{product.url}/orgs/{slug}/")
    shown = page.url.startswith(f"{product.url}/orgs/{slug}/") and page.locator("#org-name")
    if not shown or not shown.count():
        return None
    return page.inner_text("header form .muted")


def reasons(organization):
    """Why the organization's audit trail says each sign-in was refused, oldest first."""
    refused = AuditEvent.objects.filter(organization=organization, action="sso_refused")
    return [r.split(":")[0] for r in refused.order_by("pk").values_list("reason", flat=True)]


def photographed_sign_in(page, screenshot, login_url, login, password, lands_on):
    """A sign-in from the product's login URL through the IdP's form, with a screenshot of
    the form and of the page it lands on."""
    page.goto(login_url)
    page.wait_for_selector("#idp-login")
    screenshot(page, "idp-login")
    sign_in_at_idp(page, login, password)
    page.wait_for_url(lands_on)
    screenshot(page, "signed-in")


def assert_signed_in_by_sso_only(email, subject, scim_id):
    """The member has no password, one SSO identity with this subject, and the one sign-in
    in the audit trail."""
    person = get_user_model()._default_manager.get(email=email)
    assert not person.has_usable_password()
    assert SsoIdentity.objects.get().subject == subject
    assert AuditEvent.objects.filter(action="sso_signed_in", scim_id=scim_id).count() == 1
