"""SSO tried as an attacker who has no IdP at all: made-up callback, ACS, metadata and
logout requests answer a page or a 404, never a 500 (issue 21: "Failed callbacks never
answer 500"), and an org admin's bulk actions never reach another organization's
connections or identities."""

import pytest
from ssokit import connection, provision, sso_sign_in

from cosmo_scim.models import SsoConnection, SsoIdentity

pytestmark = pytest.mark.cosmo_only

PASSWORD = "correct-horse-battery-9"


@pytest.fixture
def beta(make_org):
    return make_org("beta", plan="enterprise", name="Beta Corp")


@pytest.mark.parametrize(
    "url",
    [
        "/sso/%00/",
        "/sso/oidc/%00/callback/?code=x&state=y",
        "/sso/oidc/cosmo-sso-%00/callback/?code=x&state=y",
        "/sso/saml/%00/acs/finish/",
        "/sso/saml/%00/metadata/",
        "/sso/saml/%00/sls/",
    ],
)
def test_a_nul_in_a_connection_key_is_a_404(client, org, url):
    """PostgreSQL cannot compare a text column with a NUL: the key never reaches a query."""
    connection(org)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/sso/oidc/openid_connect/callback/?code=x&state=y"),
        ("get", "/sso/oidc/cosmo-sso-{oidc}/callback/?code=x&state=forged"),
        ("get", "/sso/oidc/cosmo-sso-{oidc}/callback/?error=access_denied&state=x"),
        ("get", "/sso/oidc/cosmo-sso-{saml}/callback/?code=x&state=y"),
        ("get", "/sso/saml/{saml}/acs/finish/"),
        ("get", "/sso/saml/{saml}/sls/?SAMLRequest=garbage"),
        ("post", "/sso/saml/{saml}/acs/"),
    ],
)
def test_made_up_callbacks_are_a_page_never_a_500(client, org, method, path):
    oidc, saml = connection(org), connection(org, protocol="saml", name="SAML")
    url = path.format(oidc=oidc.key, saml=saml.key)
    response = getattr(client, method)(url, {"SAMLResponse": "PHgvPg=="}, follow=True)
    assert response.status_code == 400
    assert "Sign-in refused" in response.content.decode()


@pytest.mark.parametrize("unknown", ["/sso/saml/{oidc}/metadata/", "/sso/saml/nope/acs/finish/"])
def test_a_key_of_no_saml_connection_is_a_404(client, org, unknown):
    assert client.get(unknown.format(oidc=connection(org).key)).status_code == 404


def test_org_admin_bulk_actions_never_reach_another_organizations_sso(
    client, org, beta, make_member, make_user, make_key
):
    theirs = connection(beta, name="Beta Okta")
    _, key = make_key(beta)
    provision(client, key, "bo@beta.example")
    sso_sign_in(theirs, "bo@beta.example")
    identity = SsoIdentity.objects.get()
    make_member(org, user=make_user("boss@acme.example", password=PASSWORD), role="admin")
    assert client.login(email="boss@acme.example", password=PASSWORD)

    for model, pk in (("ssoconnection", theirs.pk), ("ssoidentity", identity.pk)):
        response = client.post(
            f"/admin/cosmo_scim/{model}/",
            {"action": "delete_selected", "_selected_action": [pk], "post": "yes"},
        )
        assert response.status_code in (200, 302)
        assert client.get(f"/admin/cosmo_scim/{model}/{pk}/change/").status_code == 404
    assert SsoConnection.objects.filter(pk=theirs.pk).exists()
    assert SsoIdentity.objects.filter(pk=identity.pk).exists()
