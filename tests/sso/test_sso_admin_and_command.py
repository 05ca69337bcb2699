"""SSO connections in the org-scoped admin and through ``configure_sso``, tried as an org
admin of another organization would: 404s, no foreign organization, a secret never shown."""

import pytest
from django.core.management import CommandError, call_command
from ssokit import connection

from cosmo_scim.models import SsoConnection
from cosmo_scim.sso import client_secrets

pytestmark = pytest.mark.cosmo_only

PASSWORD = "correct-horse-battery-9"
SECRET = "oidc-client-secret-do-not-show"


@pytest.fixture
def beta(make_org):
    return make_org("beta", plan="enterprise", name="Beta Corp")


@pytest.fixture
def acme_admin(client, org, make_member, make_user):
    person = make_user("boss@acme.example", password=PASSWORD)
    make_member(org, user=person, role="admin")
    assert client.login(email="boss@acme.example", password=PASSWORD)
    return client


def _form(organization, **extra):
    return {
        "organization": organization.pk,
        "name": "Okta",
        "protocol": "oidc",
        "enabled": "on",
        "issuer": "https://acme.okta.example",
        "client_id": "0oa-client",
        "client_secret": SECRET,
        **extra,
    }


def test_org_admin_adds_a_connection_whose_secret_is_stored_encrypted_and_never_shown(
    acme_admin, org
):
    response = acme_admin.post("/admin/cosmo_scim/ssoconnection/add/", _form(org))
    assert response.status_code == 302, response.content
    conn = SsoConnection.objects.get()
    assert SECRET not in conn.secret_encrypted
    assert client_secrets.unseal(conn.secret_encrypted) == SECRET

    page = acme_admin.get(f"/admin/cosmo_scim/ssoconnection/{conn.pk}/change/").content.decode()
    assert SECRET not in page and conn.secret_encrypted not in page
    assert f"/sso/oidc/cosmo-sso-{conn.key}/callback/" in page  # the redirect URI to paste
    assert f"/sso/{conn.key}/?test=1" in page

    # Saving without a secret keeps the stored one.
    data = _form(org, client_secret="", name="Okta EU")
    data.pop("organization"), data.pop("protocol")
    assert (
        acme_admin.post(f"/admin/cosmo_scim/ssoconnection/{conn.pk}/change/", data).status_code
        == 302
    )
    conn.refresh_from_db()
    assert conn.name == "Okta EU" and client_secrets.unseal(conn.secret_encrypted) == SECRET


def test_org_admin_cannot_see_edit_or_create_another_organizations_connection(
    acme_admin, org, beta
):
    theirs = connection(beta, name="Beta Okta")
    base = "/admin/cosmo_scim/ssoconnection/"
    assert "Beta Okta" not in acme_admin.get(base).content.decode()
    for url in (
        f"{base}{theirs.pk}/change/",
        f"{base}{theirs.pk}/delete/",
        f"{base}{theirs.pk}/history/",
    ):
        assert acme_admin.get(url).status_code == 404, url
    changed = acme_admin.post(f"{base}{theirs.pk}/change/", _form(beta, name="Mine now"))
    assert changed.status_code == 404
    created = acme_admin.post(f"{base}add/", _form(beta, name="Planted"))
    assert created.status_code == 200  # the form refuses the foreign organization
    assert not SsoConnection.objects.filter(name="Planted").exists()
    theirs.refresh_from_db()
    assert theirs.name == "Beta Okta"
    # Identities linked through B's connection are B's too.
    assert acme_admin.get("/admin/cosmo_scim/ssoidentity/").status_code == 200


def test_saml_metadata_xml_must_be_usable(acme_admin, org):
    data = {
        "organization": org.pk,
        "name": "Entra",
        "protocol": "saml",
        "enabled": "on",
        "metadata_xml": "<EntityDescriptor/>",
    }
    response = acme_admin.post("/admin/cosmo_scim/ssoconnection/add/", data)
    assert response.status_code == 200
    assert (
        "signing certificate" in response.content.decode()
        or "readable" in response.content.decode()
    )
    assert not SsoConnection.objects.exists()


def _configure(*args, secret=None, monkeypatch=None):
    from io import StringIO

    if secret is not None:
        monkeypatch.setenv("SSO_CLIENT_SECRET", secret)
    out = StringIO()
    call_command("configure_sso", *args, stdout=out)
    return dict(line.split("=", 1) for line in out.getvalue().splitlines())


def test_configure_sso_oidc_prints_the_urls_and_updates_on_rerun(org, monkeypatch):
    first = _configure(
        "acme",
        "oidc",
        "--issuer",
        "https://acme.okta.example",
        "--client-id",
        "0oa1",
        "--require",
        "--name",
        "Okta",
        secret=SECRET,
        monkeypatch=monkeypatch,
    )
    conn = SsoConnection.objects.get()
    assert SECRET not in "".join(first.values())
    assert first["login_url"].endswith(f"/sso/{conn.key}/")
    assert first["redirect_uri"].endswith(f"/sso/oidc/cosmo-sso-{conn.key}/callback/")
    assert conn.required and client_secrets.unseal(conn.secret_encrypted) == SECRET

    monkeypatch.delenv("SSO_CLIENT_SECRET")
    again = _configure(
        "acme",
        "oidc",
        "--issuer",
        "https://acme.okta.example",
        "--client-id",
        "0oa2",
        "--name",
        "Okta",
        "--claim",
        "oid",
    )
    conn.refresh_from_db()
    assert again["login_url"] == first["login_url"]
    assert (conn.client_id, conn.required, conn.subject_claim) == ("0oa2", False, "oid")
    assert SsoConnection.objects.count() == 1


def test_configure_sso_saml(org):
    out = _configure(
        "acme",
        "saml",
        "--metadata-url",
        "https://idp.example/md",
        "--allow-idp-initiated",
        "--name",
        "Entra",
    )
    conn = SsoConnection.objects.get()
    assert conn.allow_idp_initiated and conn.protocol == "saml"
    assert out["acs_url"].endswith(f"/sso/saml/{conn.key}/acs/")
    assert out["entity_id"] == out["metadata_url"]


def test_configure_sso_refuses_what_a_connection_cannot_work_with(org, monkeypatch):
    monkeypatch.delenv("SSO_CLIENT_SECRET", raising=False)
    with pytest.raises(CommandError, match="SSO_CLIENT_SECRET"):
        _configure("acme", "oidc", "--issuer", "https://i.example", "--client-id", "c")
    with pytest.raises(CommandError, match="metadata"):
        _configure("acme", "saml")
    with pytest.raises(CommandError, match="No organization"):
        _configure("nope", "saml", "--metadata-url", "https://idp.example/md")
    assert not SsoConnection.objects.exists()


def test_the_identities_list_shows_this_organizations_member_never_the_shared_account(
    acme_admin, org, make_key
):
    """A linked identity's account may be shared with another organization, whose IdP may
    since have moved its login to that organization's address: Acme's admin reads the
    member as Acme's IdP provisioned them, never the account's login."""
    from django.contrib.auth import get_user_model
    from ssokit import account, provision

    from cosmo_scim.models import SsoIdentity

    _, key = make_key(org)
    provision(acme_admin, key, "sam@acme.example")
    person = account("sam@acme.example")
    user_model = get_user_model()
    user_model._default_manager.filter(pk=person.pk).update(
        **{user_model.EMAIL_FIELD: "sam.private@beta.example"}
    )
    identity = SsoIdentity.objects.create(
        connection=connection(org, name="Acme Okta"), subject="00u-sam", person=person
    )
    for url in (
        "/admin/cosmo_scim/ssoidentity/",
        f"/admin/cosmo_scim/ssoidentity/{identity.pk}/change/",
    ):
        page = acme_admin.get(url).content.decode()
        assert "sam@acme.example" in page, url
        assert "sam.private" not in page, url
