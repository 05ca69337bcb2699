"""The ownership decision under the person's row lock, step by step (issue 20, reproduction 1).

tests/invitations/test_takeover_race.py fires the attack many times through a real worker;
here each interleaving of the race is forced, on PostgreSQL: one transaction is held at the
point where it has read the account, and the other organization's request runs meanwhile.
Before the lock, each of these answered B's hire to A (or refused B's POST).
"""

import threading

import pytest
from django.core import mail
from django.test import Client
from scimkit import RACES, ScimClient, host, okta_user, patch_op

from cosmo_project.organizations.scim import CosmoHostAdapter
from cosmo_scim.models import Invitation

pytestmark = RACES

HIRE, MAILBOX = "hire@globex.example", "mallory@acme.example"
# How long the held transaction gives the other request to finish before it goes on. The
# other request cannot finish while the lock holds it; with no lock it finishes well within.
GRACE = 3


class PausingHost(CosmoHostAdapter):
    """Cosmo's adapter, holding one organization's transaction once it has read (and, with
    the lock, locked) the person: a POST at ``get_membership``, or where it found no
    account; an update when it has decided to move the account, at ``project_person``."""

    organization_id = creating = projecting = None
    paused = threading.Event()
    release = threading.Event()

    def _pause(self, organization_id):
        if organization_id is not None and organization_id == PausingHost.organization_id:
            PausingHost.paused.set()
            PausingHost.release.wait(30)

    def get_membership(self, organization, person):
        self._pause(organization.pk)
        return super().get_membership(organization, person)

    def project_person(self, person, **values):
        self._pause(PausingHost.projecting)
        return super().project_person(person, **values)

    def find_person(self, email):
        found = super().find_person(email)
        if found is None:  # a POST about to create the account (the ``creating`` one's)
            self._pause(PausingHost.creating)
        return found

    def lock_person_with_email(self, email):
        found = super().lock_person_with_email(email)
        if found is None:
            self._pause(PausingHost.creating)
        return found


@pytest.fixture
def pausing(settings):
    settings.COSMO_SCIM = {**settings.COSMO_SCIM, "HOST_ADAPTER": f"{__name__}.PausingHost"}
    PausingHost.paused.clear()
    PausingHost.release.clear()
    yield PausingHost
    PausingHost.release.set()
    PausingHost.organization_id = PausingHost.creating = PausingHost.projecting = None


def in_thread(call, results):
    from django.db import connections

    def run():
        try:
            results.append(call())
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def set_email(address):
    return patch_op({"op": "replace", "path": 'emails[type eq "work"].value', "value": address})


def plant(attacker):
    """A's inactive account at the hire's address: no invitation goes out."""
    body = okta_user("squat", emails=[{"value": HIRE, "type": "work"}], active=False)
    response = attacker.post("/Users", body)
    assert response.status_code == 201, response.content
    return f"/Users/{response.json()['id']}"


def test_b_holds_the_account_so_a_flip_waits_and_is_kept(pausing, org, other_org, make_key):
    """B has read A's account at the hire's address; A flips it to A's mailbox meanwhile.
    Without the lock the flip went through, and B's invitation followed the login to A."""
    attacker = ScimClient(Client(), make_key(org)[1])
    victim = ScimClient(Client(), make_key(other_org)[1])
    path = plant(attacker)
    pausing.organization_id = other_org.pk
    hired, flipped = [], []
    b = in_thread(lambda: victim.post("/Users", okta_user(HIRE)), hired)
    assert pausing.paused.wait(30)
    a = in_thread(lambda: attacker.patch(path, set_email(MAILBOX)), flipped)
    a.join(GRACE)
    pausing.release.set()
    b.join(30), a.join(30)
    assert hired[0].status_code == 201 and flipped[0].status_code == 200
    assert flipped[0].json()["emails"][0]["value"] == MAILBOX  # A's profile, as written
    attached = host.membership(organization=other_org)
    assert host.person(attached).email == HIRE
    assert [m.to for m in mail.outbox] == [[HIRE]]


def test_a_flip_in_flight_holds_the_account_so_b_finds_where_it_landed(
    pausing, org, other_org, make_key
):
    """A's flip has decided to move its account (still at the hire's address) when B
    provisions the hire. Without the lock B attached that account, and the flip then moved
    the login of B's new member to A's mailbox."""
    attacker = ScimClient(Client(), make_key(org)[1])
    victim = ScimClient(Client(), make_key(other_org)[1])
    path = plant(attacker)
    pausing.organization_id = pausing.projecting = org.pk
    flipped, hired = [], []
    a = in_thread(lambda: attacker.patch(path, set_email(MAILBOX)), flipped)
    assert pausing.paused.wait(30)
    pausing.organization_id = None
    b = in_thread(lambda: victim.post("/Users", okta_user(HIRE)), hired)
    b.join(GRACE)
    pausing.release.set()
    a.join(30), b.join(30)
    assert flipped[0].status_code == 200 and hired[0].status_code == 201
    assert host.person(host.membership(organization=other_org)).email == HIRE
    assert host.person(host.membership(organization=org)).email == MAILBOX
    assert [m.to for m in mail.outbox] == [[HIRE]]


def test_two_organizations_creating_one_address_share_one_account(
    pausing, org, other_org, make_key
):
    """Neither finds an account; A is held before it creates one while B creates and
    commits. A's insert then meets the unique constraint and A decides again: it attaches
    B's account (awaiting consent) instead of refusing the IdP's POST."""
    first = ScimClient(Client(), make_key(org)[1])
    second = ScimClient(Client(), make_key(other_org)[1])
    pausing.organization_id = pausing.creating = org.pk
    results = []
    a = in_thread(lambda: first.post("/Users", okta_user(HIRE)), results)
    assert pausing.paused.wait(30)
    pausing.organization_id = None
    assert second.post("/Users", okta_user(HIRE)).status_code == 201
    pausing.release.set()
    a.join(30)
    assert results[0].status_code == 201, results[0].content
    people = {host.person(m).pk for m in host.memberships(person__email=HIRE)}
    assert len(people) == 1
    assert Invitation.objects.filter(email=HIRE).count() == 2
