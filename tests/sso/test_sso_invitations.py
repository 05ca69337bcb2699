"""Invitations through SSO: the page offers "Continue with <IdP>"; for an organization that
requires SSO it offers nothing else, and the accept goes through only from a session its
IdP signed in, as the invited member."""

import pytest
from django.core import mail
from scimkit import accept_link
from ssokit import account, connection, provision, sso_sign_in

from cosmo_scim.models import ScimUser

pytestmark = [pytest.mark.cosmo_only, pytest.mark.django_db(transaction=True)]


def _open_invitation(client):
    link = accept_link(mail.outbox[-1])
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    return client.get(path, follow=True)


def test_invitation_accepted_through_required_sso_sets_no_password(client, org, make_key):
    _, key = make_key(org)
    conn = connection(org, name="Acme Okta", required=True)
    provision(client, key, "new@acme.example")
    client.logout()

    page = _open_invitation(client).content.decode()
    assert "Continue with Acme Okta" in page
    assert f"/sso/{conn.key}/?next=/invitations/accept/" in page
    assert "new_password1" not in page and 'name="password"' not in page
    # Posting a password anyway accepts nothing.
    client.post(
        "/invitations/accept/",
        {"new_password1": "x-Long-pass-123", "new_password2": "x-Long-pass-123"},
    )
    assert ScimUser.objects.get().accepted_at is None

    # The IdP's sign-in resolves to the invited member (in the browser holding the link).
    session = client.session
    request, _ = sso_sign_in(conn, "new@acme.example", request=_request_with(session))
    client.cookies["sessionid"] = request.session.session_key
    consent = client.get("/invitations/accept/").content.decode()
    assert 'id="accept"' in consent and "new_password1" not in consent
    assert client.post("/invitations/accept/").status_code == 302
    assert ScimUser.objects.get().accepted_at is not None
    assert not account("new@acme.example").has_usable_password()


def _request_with(session):
    from ssokit import browser_request

    return browser_request(session)


def test_invitation_page_offers_sso_beside_the_password(client, org, make_key):
    _, key = make_key(org)
    connection(org, name="Acme Okta")
    provision(client, key, "new@acme.example")
    client.logout()
    page = _open_invitation(client).content.decode()
    assert "Continue with Acme Okta" in page and "new_password1" in page
