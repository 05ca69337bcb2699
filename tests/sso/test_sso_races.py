"""SSO sign-ins racing each other and the IdP's deactivation, on PostgreSQL with committed
transactions (cosmo_scim/sso/linking.py decides under the SCIM user's and the person's row
locks): one identity however many first sign-ins arrive at once, and a deactivation either
refuses the sign-in or ends the session it made."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from scimkit import RACES, ScimClient, deactivate_patch, race
from ssokit import browser_request, connection, provision

from cosmo_scim.models import SsoIdentity
from cosmo_scim.sso.linking import Assertion, Refused, sign_in

pytestmark = [*RACES, pytest.mark.cosmo_only]

ROUNDS = 5


def _attempt(conn, subject):
    def call():
        request = browser_request()
        try:
            sign_in(request, Assertion(conn, subject))
        except Refused as refused:
            return refused.code
        request.session.save()
        return request.session.session_key

    return call


def test_concurrent_first_sign_ins_link_one_identity(org, make_key):
    _, key = make_key(org)
    for index in range(ROUNDS):
        subject = f"p{index}@acme.example"
        provision(Client(), key, subject)
        conn = connection(org, name=f"IdP {index}")
        results = race([_attempt(conn, subject) for _ in range(4)])
        assert SsoIdentity.objects.filter(connection=conn).count() == 1
        # Each either signed in, or was told to sign in again; none linked a second time.
        assert all(r == "retry" or SessionStore(r).get(SESSION_KEY) for r in results), results
        assert any(r != "retry" for r in results)


def test_a_deactivation_racing_a_sign_in_leaves_no_live_session(org, make_key):
    _, key = make_key(org)
    for index in range(ROUNDS):
        subject = f"leaver{index}@acme.example"
        created = provision(Client(), key, subject)
        conn = connection(org, name=f"IdP {index}")

        def deactivate():
            response = ScimClient(Client(), key).patch(
                f"/Users/{created['id']}", deactivate_patch()
            )
            return response.status_code

        signed, status = race([_attempt(conn, subject), deactivate])
        assert status == 200
        if signed != "deactivated":
            # The sign-in committed first: the deactivation ended the session it made.
            assert not SessionStore().exists(signed), f"round {index}: the session survived"
