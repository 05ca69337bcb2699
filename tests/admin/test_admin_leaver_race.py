"""Issue 20, reproduction 4: a leaver keeps a key — written as the attack, on PostgreSQL.

An org admin whom the IdP is deactivating keeps submitting "Add API key". Each submission
read the admin's right at the start of its request and wrote the key later, in a
transaction of its own, so a key written after the deactivation had revoked the person's
keys escaped: the leaver PATCHed themselves ``active: true`` with it. Now every admin write
re-reads the right under a lock on what the deactivation writes (the person's membership,
cosmo_scim/admin/scope.py), so a key is either made before the deactivation, which revokes
it, or refused.
"""

import threading

import pytest
from django.test import Client
from django.urls import reverse
from scimkit import RACES, deactivate_patch, reactivate_patch

from cosmo_scim.models import APIKey

pytestmark = RACES

ADD_KEY = reverse("admin:cosmo_scim_apikey_add")
ROUNDS = 12
SUBMITTERS = 4


@pytest.fixture
def otto(org, scim, make_member):
    """Acme's org admin, whose hand-made membership Acme's IdP adopted."""
    membership = make_member(org, role="admin", email="otto@acme.example")
    scim_id = scim.create_user("otto@acme.example")["id"]
    return membership.user, scim_id


def submit_keys_until(done, browser, organization, outcomes, first_answer):
    """Submit "Add API key" back to back until ``done`` is set, then once more."""
    try:
        while True:
            finished = done.is_set()
            response = browser.post(
                ADD_KEY, {"organization": organization.pk, "name": "Mine", "scim": "on"}
            )
            # A key made is shown once, on the page the form redirects to.
            outcomes.append(response.status_code == 302 and response.url.endswith("/key/"))
            first_answer.set()
            if finished:
                return
    finally:
        from django.db import connections

        connections.close_all()


def race_round(org, scim, user, scim_id):
    browsers = []
    for _ in range(SUBMITTERS):
        browser = Client()
        browser.force_login(user)
        browsers.append(browser)
    done, first_answer, outcomes = threading.Event(), threading.Event(), []
    threads = [
        threading.Thread(
            target=submit_keys_until, args=(done, browser, org, outcomes, first_answer)
        )
        for browser in browsers
    ]
    for thread in threads:
        thread.start()
    try:
        first_answer.wait(timeout=60)  # submissions are under way: deactivate amid them
        response = scim.patch(f"/Users/{scim_id}", deactivate_patch())
        assert response.status_code == 200, response.content
    finally:
        done.set()
        for thread in threads:
            thread.join()
    return outcomes


def test_a_leavers_key_submitted_during_the_deactivation_never_stays_live(org, scim, otto):
    user, scim_id = otto
    made = refused = 0
    for _ in range(ROUNDS):
        outcomes = race_round(org, scim, user, scim_id)
        made += sum(outcomes)
        refused += len(outcomes) - sum(outcomes)
        # Whatever the leaver was shown, no key of theirs is live.
        live = APIKey.objects.filter(organization=org, created_by=user, revoked=False)
        assert not live.exists(), f"{live.count()} key(s) escaped the deactivation"
        assert scim.patch(f"/Users/{scim_id}", reactivate_patch()).status_code == 200
    # The race was real: keys were made before the deactivations and refused after them.
    assert made > 0 and refused > 0
