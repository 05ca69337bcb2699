"""Races at the door, on PostgreSQL, with answers from the real OIDC provider: two browsers
bring back the same person's first sign-in at the same moment, and a sign-in arrives while
her IdP's SCIM deactivates her. Each sign-in goes through the IdP's login form up to the
redirect back to the product, which is held; the held callbacks (each with its own
session's cookies) are then sent together from threads. test_sso_races.py races the linking
itself, many rounds, below HTTP."""

import re
import threading
from urllib.parse import urljoin

import pytest
import requests
from e2ekit import oidc_connection

from cosmo_scim.models import AuditEvent, SsoIdentity

pytestmark = [
    pytest.mark.sso,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("needs_postgres"),
]

JANE = "jane@acme.example"


def held_callback(product, login_url):
    """A person's sign-in, as a browser makes it (cookies kept, redirects followed, the IdP's
    login form posted), held at the redirect back to the product: (callback URL, session)."""
    session = requests.Session()
    answer = session.get(login_url, allow_redirects=False, timeout=30)
    while True:
        if answer.is_redirect:
            location = urljoin(answer.url, answer.headers["Location"])
            if location.startswith(product.url):
                return location, session
            answer = session.get(location, allow_redirects=False, timeout=30)
        else:  # the IdP's login form
            action = re.search(r'action="([^"]+)"', answer.text).group(1)
            answer = session.post(
                urljoin(answer.url, action),
                data={"login": "jane", "password": "idp-pass-1"},
                allow_redirects=False,
                timeout=30,
            )


def together(*calls):
    """Run the calls in threads released at once; their results in order."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def deliver(url, session):
    return session.get(url, allow_redirects=False, timeout=30), session


@pytest.fixture
def acme_oidc(product, org, provisioning, oidc_idp, settings):
    # requests, unlike Chromium, sends no Secure cookie to http://localhost.
    settings.SESSION_COOKIE_SECURE = False
    scim = provisioning(org)
    jane = scim.create_user(JANE, externalId="00u-jane")
    printed = oidc_connection(oidc_idp, "acme")
    oidc_idp.put_account("jane", "idp-pass-1", "00u-jane", email=JANE, email_verified=True)
    return scim, jane, printed["login_url"]


def test_two_first_sign_ins_at_once_link_one_identity(product, acme_oidc):
    _, _, login_url = acme_oidc
    first, second = held_callback(product, login_url), held_callback(product, login_url)

    answers = together(lambda: deliver(*first), lambda: deliver(*second))

    statuses = sorted(answer.status_code for answer, _ in answers)
    assert statuses in ([302, 302], [302, 400]), statuses  # signed in, or "sign in again"
    assert SsoIdentity.objects.count() == 1
    assert AuditEvent.objects.filter(action="sso_linked").count() == 1


def test_a_sign_in_racing_a_scim_deactivation_never_leaves_an_open_session(product, acme_oidc):
    scim, jane, login_url = acme_oidc
    callback = held_callback(product, login_url)

    (answer, session), _ = together(lambda: deliver(*callback), lambda: scim.deactivate(jane["id"]))

    assert answer.status_code in (302, 400)
    # Whichever came first, the deactivation has happened: her session opens nothing.
    dashboard = session.get(f"{product.url}/orgs/acme/", allow_redirects=False, timeout=30)
    assert dashboard.status_code == 302
    assert "/orgs/acme/" not in dashboard.headers["Location"].split("?")[0]
