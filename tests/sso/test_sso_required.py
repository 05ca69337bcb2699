"""Requiring SSO, and sessions scoped per organization (cosmo_scim/sso/entry.py), through
Cosmo's pages and cosmo_scim's org-scoped admin, as members, org admins and attackers."""

import pytest
from ssokit import connection, provision, sso_sign_in

from cosmo_scim.models import SsoConnection

pytestmark = pytest.mark.cosmo_only

PASSWORD = "correct-horse-battery-9"


@pytest.fixture
def beta(make_org):
    return make_org("beta", plan="enterprise", name="Beta Corp")


def _password_login(client, email):
    assert client.login(email=email, password=PASSWORD)


def _sso_client(client, conn, subject):
    """The test client holding the session an SSO sign-in made."""
    request, _ = sso_sign_in(conn, subject)
    client.cookies["sessionid"] = request.session.session_key
    return client


def test_required_sso_refuses_a_password_session_for_that_organization_only(
    client, org, beta, make_member, make_user
):
    person = make_user("pat@acme.example", password=PASSWORD)
    make_member(org, user=person)
    make_member(beta, user=person)
    conn = connection(org, required=True)
    _password_login(client, "pat@acme.example")

    refused = client.get("/orgs/acme/")
    assert refused.status_code == 302
    assert refused["Location"].startswith(f"/sso/{conn.key}/?next=/orgs/acme/")
    assert client.get("/orgs/beta/").status_code == 200
    home = client.get("/").content.decode()
    assert "Beta Corp" in home and "Acme Inc." not in home


def test_an_sso_session_enters_its_organization_and_no_other(
    client, org, beta, make_member, make_key
):
    """A's IdP signed the person in: A's pages open; B's do not, although the person is
    B's member and B requires nothing (A's IdP must not vouch for B's member)."""
    _, key = make_key(org)
    provision(client, key, "pat@acme.example")
    conn = connection(org, required=True)
    from cosmo_scim.host_fields import memberships

    person = memberships().get().user
    make_member(beta, user=person)
    _sso_client(client, conn, "pat@acme.example")

    assert client.get("/orgs/acme/").status_code == 200
    assert client.get("/orgs/beta/").status_code == 403
    home = client.get("/").content.decode()
    assert "Acme Inc." in home and "Beta Corp" not in home


def test_org_admin_of_a_required_org_administers_it_only_through_sso(
    client, org, beta, make_member, make_user, make_key
):
    admin_person = make_user("boss@acme.example", password=PASSWORD)
    make_member(org, user=admin_person, role="admin")
    make_member(beta, user=admin_person, role="admin")
    conn_a = connection(org, name="Acme Okta", required=True)
    conn_b = connection(beta, name="Beta Okta")
    _password_login(client, "boss@acme.example")

    listing = client.get("/admin/cosmo_scim/ssoconnection/")
    assert listing.status_code == 200
    assert "Beta Okta" in listing.content.decode()
    assert "Acme Okta" not in listing.content.decode()
    assert client.get(f"/admin/cosmo_scim/ssoconnection/{conn_a.pk}/change/").status_code == 404
    assert client.get(f"/admin/cosmo_scim/ssoconnection/{conn_b.pk}/change/").status_code == 200


def test_superusers_still_enter_by_password(admin_client, org, superuser, make_member):
    make_member(org, user=superuser)
    connection(org, required=True)
    assert admin_client.get("/orgs/acme/").status_code == 200
    page = admin_client.get("/admin/cosmo_scim/ssoconnection/")
    assert page.status_code == 200 and "Acme Inc. IdP" in page.content.decode()


def test_api_keys_keep_working_when_sso_is_required(client, org, make_key):
    _, key = make_key(org)
    connection(org, required=True)
    provision(client, key, "api@acme.example")
    response = client.get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200 and response.json()["totalResults"] == 1


def test_a_disabled_connection_requires_nothing(client, org, make_member, make_user):
    person = make_user("pat@acme.example", password=PASSWORD)
    make_member(org, user=person)
    connection(org, required=True, enabled=False)
    _password_login(client, "pat@acme.example")
    assert client.get("/orgs/acme/").status_code == 200
    assert SsoConnection.objects.get().required


def test_the_admin_login_tells_an_sso_only_org_admin_where_to_sign_in(
    client, org, beta, make_member, make_user
):
    """An org admin whose organizations all require SSO is told at the admin's login form
    where to sign in (instead of being signed in to nothing and sent back); an admin who
    also administers an organization without the requirement signs in by password."""
    from cosmo_scim.sso.endpoints import login_url

    person = make_user("ann@acme.example", password=PASSWORD)
    make_member(org, user=person, role="admin")
    conn = connection(org, required=True)
    form = {"username": "ann@acme.example", "password": PASSWORD, "next": "/admin/"}
    refused = client.post("/admin/login/", form)
    assert refused.status_code == 200
    assert login_url(conn) in refused.content.decode()
    assert "_auth_user_id" not in client.session

    # A wrong password still gets Django's refusal, which says nothing about SSO.
    wrong = client.post("/admin/login/", {**form, "password": "not-the-password"})
    assert login_url(conn) not in wrong.content.decode()

    make_member(beta, user=person, role="admin")
    assert client.post("/admin/login/", form).status_code == 302
    assert "_auth_user_id" in client.session
