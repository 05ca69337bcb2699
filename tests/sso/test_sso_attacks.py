"""SSO tried as an attacker who has no IdP at all: made-up callback, ACS, metadata and
logout requests answer a page or a 404, never a 500 (issue 21: "Failed callbacks never
answer 500"), and an org admin's bulk actions never reach another organization's
connections or identities."""

from pathlib import Path

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
def test_made_up_callbacks_are_a_page_never_a_500(client, org, method, path, tmp_path):
    oidc = connection(org)
    saml = connection(
        org, protocol="saml", name="SAML", metadata_url="", metadata_xml=_idp_metadata(tmp_path)
    )
    url = path.format(oidc=oidc.key, saml=saml.key)
    response = getattr(client, method)(
        url, {"SAMLResponse": "PHgvPg=="}, follow=True, HTTP_HOST="localhost"
    )
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


def _idp_metadata(tmp_path, entity_id="https://idp.beta.example/"):
    """The metadata XML of an IdP nobody runs: a certificate, an SSO and a logout URL."""
    from saml_idp import self_signed_certificate

    _, cert_file = self_signed_certificate(tmp_path, "idp")
    pem = Path(cert_file).read_text()
    cert = "".join(pem.split("-----")[2].split())
    return (
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        f'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity_id}">'
        '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
        f"{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        '<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
        f'Location="{entity_id}slo"/>'
        '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
        f'Location="{entity_id}sso"/>'
        "</md:IDPSSODescriptor></md:EntityDescriptor>"
    )


def _unsigned_logout_request():
    from onelogin.saml2.utils import OneLogin_Saml2_Utils

    xml = (
        '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_forged1" Version="2.0" '
        'IssueInstant="2026-01-01T00:00:00Z"><saml:NameID>anyone</saml:NameID>'
        "</samlp:LogoutRequest>"
    )
    return OneLogin_Saml2_Utils.deflate_and_base64_encode(xml)


def _forged_logout(client, conn):
    return client.get(
        f"/sso/saml/{conn.key}/sls/",
        {"SAMLRequest": _unsigned_logout_request()},
        HTTP_HOST="localhost",
    )


def test_a_forged_logout_request_signs_nobody_out(
    client, org, beta, make_member, make_user, tmp_path
):
    """Anyone who knows a SAML connection's key (B's admin does) links A's member to its
    logout URL with an unsigned LogoutRequest: the session A's member signed in with lives on."""
    theirs = connection(
        beta, protocol="saml", metadata_url="", metadata_xml=_idp_metadata(tmp_path)
    )
    make_member(org, user=make_user("pat@acme.example", password=PASSWORD))
    assert client.login(email="pat@acme.example", password=PASSWORD)

    response = _forged_logout(client, theirs)

    assert response.status_code == 400
    assert client.get("/orgs/acme/").status_code == 200


def test_an_unsigned_logout_request_never_ends_the_connections_own_session(
    client, beta, make_key, tmp_path
):
    """Even the session this connection signed in stays: an unsigned LogoutRequest proves
    nothing about who sent it."""
    theirs = connection(
        beta, protocol="saml", metadata_url="", metadata_xml=_idp_metadata(tmp_path)
    )
    _, key = make_key(beta)
    provision(client, key, "bo@beta.example")
    request, _ = sso_sign_in(theirs, "bo@beta.example")
    client.cookies["sessionid"] = request.session.session_key
    assert client.get("/orgs/beta/").status_code == 200

    response = _forged_logout(client, theirs)

    assert response.status_code == 400
    assert client.get("/orgs/beta/").status_code == 200


def test_an_unreachable_saml_metadata_url_is_a_503(client, org):
    """The IdP's metadata could not be fetched: try again later (Retry-After), not "refused"."""
    conn = connection(org, protocol="saml", metadata_url="http://127.0.0.1:9/metadata")

    response = client.get(f"/sso/{conn.key}/", HTTP_HOST="localhost")

    assert response.status_code == 503
    assert response["Retry-After"]


def test_a_session_only_as_idp_signed_in_cannot_give_the_account_a_password(
    client, org, beta, make_key, make_member
):
    """A's IdP signs in A's member, who is also B's: the session must not become a way into
    B — not by setting the shared account a password and signing in with it."""
    _, key = make_key(org)
    provision(client, key, "pat@acme.example")
    conn = connection(org)
    request, scim_user = sso_sign_in(conn, "pat@acme.example")
    person = scim_user.membership.user
    make_member(beta, user=person)
    client.cookies["sessionid"] = request.session.session_key
    new = "brand-new-password-42"

    response = client.post(
        "/accounts/password/",
        {"old_password": "", "new_password1": new, "new_password2": new},
    )

    assert response.status_code == 200  # the form, refused: no old password to give
    person.refresh_from_db()
    assert not person.has_usable_password()
    assert client.get("/orgs/beta/").status_code == 403
