"""Two senders racing for one invitation on PostgreSQL: exactly one email."""

import threading

import pytest
from django.core import mail
from django.db import connection

from cosmo_scim.models import Invitation, ScimUser
from cosmo_scim.provisioning import invitation_delivery, invitations

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_racing_senders_send_once(org, make_member):
    membership = make_member(org, email="jane@acme.example")
    scim_user = ScimUser.objects.create(
        organization=org, membership=membership, user_name="jane@acme.example"
    )
    invitation = invitations.create(scim_user, "jane@acme.example")
    start = threading.Barrier(8)
    results = []

    def sender():
        start.wait()
        try:
            results.append(invitation_delivery.deliver(invitation.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]
    assert len(mail.outbox) == 1
    assert Invitation.objects.get().send_attempts == 1
