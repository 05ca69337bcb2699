"""Issue 20, reproduction 1, written as the attack: a race that handed B's new hire to A.

A's IdP creates an inactive account at the address of someone B is about to hire (no email
goes out: inactive), then flips that account's login between the hire's address and A's own
mailbox while B's IdP provisions the hire. When B attached the account with ownership
*checked, then written* and no lock on the person, A's flip landed in between, and B's
invitation — addressed at send time to the account's login — was mailed to A's mailbox.

Here on the real parts: PostgreSQL, the SCIM endpoints called by many concurrent clients
with the two organizations' keys, the Redis broker, a Celery worker (not eager) and an
aiosmtpd mail server that receives what the worker really sends.
"""

import threading
import time

import pytest
from celery_worker import worker
from django.test import Client
from scimkit import ScimClient, okta_user, patch_op, race

from cosmo_scim.models import Invitation

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("needs_postgres"),
]

# Thirty tries of about twenty requests each. On main before issue 20 (measured on this
# suite's machine) B's invitation reached A's mailbox in 6 of 30 tries, and B's POST failed
# with a 409 in 4 more; at that rate thirty clean tries would be a fluke of about 0.1%, so
# a pass says the window is closed, not that it was missed. (With the lock, B mostly waits
# for A's flip in flight and finds the login gone, so it creates the hire's own account;
# the rarer try where it locks A's account first is test_ownership_locks.py's, step by step.)
TRIES = 30
# Concurrent attacker clients, each flipping the login this many times per try.
FLIPPERS = 2
FLIPS = 8


def set_email(address):
    return patch_op({"op": "replace", "path": 'emails[type eq "work"].value', "value": address})


def attack(attacker_key, victim_key, hire, mailbox):
    """One try: A's inactive account at ``hire``; A's clients flip its login between
    ``hire`` and ``mailbox`` while B's IdP provisions ``hire``. Returns B's response."""
    a = ScimClient(Client(), attacker_key)
    planted = a.post(
        "/Users", okta_user(f"squat-{hire}", emails=[{"value": hire, "type": "work"}], active=False)
    )
    assert planted.status_code == 201, planted.content
    path = f"/Users/{planted.json()['id']}"
    flipping, hired = threading.Event(), threading.Event()

    def flipper(parity):
        client = ScimClient(Client(), attacker_key)
        for flip in range(parity, FLIPS + parity):
            client.patch(path, set_email(mailbox if flip % 2 == 0 else hire))
            flipping.set()
            if hired.is_set() and flip % 2 == 1:
                return

    hiring = []

    def victim():
        flipping.wait(30)
        hiring.append(ScimClient(Client(), victim_key).post("/Users", okta_user(hire)))
        hired.set()

    race([victim] + [lambda p=n % 2: flipper(p) for n in range(FLIPPERS)])
    return hiring[0]


def test_b_invitation_never_reaches_a_mailbox_however_the_requests_interleave(
    live_celery, smtp, org, other_org, make_key
):
    _, attacker_key = make_key(org)
    _, victim_key = make_key(other_org)
    smtp.start()
    hires = [f"hire{n}@globex.example" for n in range(TRIES)]
    with worker(live_celery):
        for n, hire in enumerate(hires):
            hired = attack(attacker_key, victim_key, hire, f"mallory{n}@acme.example")
            assert hired.status_code == 201, hired.content
        # The worker sends each of B's invitations; A's account is inactive, so A gets none.
        deadline = time.monotonic() + 120
        while len(smtp.handler.received) < TRIES and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1)  # time for a stray message to show up, if there were one
    assert smtp.handler.recipients() == sorted(hires)
    for invitation in Invitation.objects.filter(organization=other_org):
        assert invitation.email in hires and invitation.sent_at is not None
