"""Issue 20, reproduction 8, written as the attacks: an IdP that loops a member who never
accepted through deactivation and reactivation (or POST and DELETE) must not mail an
address without end, and requesting made-up invitation links must not write to the
database."""

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from scimkit import accept_link, deactivate_patch, reactivate_patch, user_body

from cosmo_scim import conf
from cosmo_scim.models import AuditEvent, Invitation
from cosmo_scim.provisioning import invitation_delivery, invitations

# Real commits: invitations are sent on commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

VICTIM = "victim@elsewhere.example"


def sent_to(address):
    return [message for message in mail.outbox if message.to == [address]]


# -- a deactivate / reactivate loop -----------------------------------------------------------


def test_a_reactivation_loop_mails_an_address_no_more_than_its_budget(scim):
    limit = conf.get("INVITATION_ADDRESS_LIMIT")
    scim_id = scim.post("/Users", user_body(VICTIM)).json()["id"]
    for _ in range(2 * limit):
        assert scim.patch(f"/Users/{scim_id}", deactivate_patch()).status_code == 200
        assert scim.patch(f"/Users/{scim_id}", reactivate_patch()).status_code == 200
    assert len(sent_to(VICTIM)) == limit

    # The member still has an invitation: pending, held back until the budget frees up,
    # and the admin and the audit trail say so.
    held = Invitation.objects.get(status="pending")
    first = Invitation.objects.order_by("created_at").first()
    assert held.next_attempt_at == first.created_at + invitations.ADDRESS_WINDOW
    assert held.sent_at is None and held.send_attempts == 0
    assert "Held back" in invitation_delivery.state(held)
    reactivated = AuditEvent.objects.filter(action="reactivated").order_by("-created_at")[0]
    assert reactivated.reason == held.last_error

    # Once due, the sweep sends it: the person is not left without a way in.
    Invitation.objects.filter(pk=held.pk).update(next_attempt_at=timezone.now())
    assert invitation_delivery.send_pending() == 1
    assert len(sent_to(VICTIM)) == limit + 1
    assert "/invitations/" in accept_link(sent_to(VICTIM)[-1])


def test_a_post_and_delete_loop_mails_an_address_no_more_than_its_budget(scim):
    limit = conf.get("INVITATION_ADDRESS_LIMIT")
    for _ in range(2 * limit):
        created = scim.post("/Users", user_body(VICTIM))
        assert created.status_code == 201
        assert scim.delete(f"/Users/{created.json()['id']}").status_code == 204
    assert len(sent_to(VICTIM)) == limit


def test_invitations_that_never_went_out_do_not_spend_the_budget(scim):
    """What counts is the email: an invitation revoked before any sender took it sent
    nothing. (The broker "was unreachable moments ago": nothing is queued, and each
    deactivation revokes the unsent invitation.)"""
    from cosmo_scim.tasks import breaker

    limit = conf.get("INVITATION_ADDRESS_LIMIT")
    breaker.trip()
    try:
        scim_id = scim.post("/Users", user_body(VICTIM)).json()["id"]
        for _ in range(2 * limit):
            scim.patch(f"/Users/{scim_id}", deactivate_patch())
            scim.patch(f"/Users/{scim_id}", reactivate_patch())
    finally:
        breaker.reset()
    assert not Invitation.objects.filter(next_attempt_at__isnull=False).exists()
    assert invitation_delivery.send_pending() == 1
    assert len(sent_to(VICTIM)) == 1


def test_another_organizations_budget_is_its_own(scim, other_scim):
    limit = conf.get("INVITATION_ADDRESS_LIMIT")
    scim_id = scim.post("/Users", user_body(VICTIM)).json()["id"]
    for _ in range(limit):
        scim.patch(f"/Users/{scim_id}", deactivate_patch())
        scim.patch(f"/Users/{scim_id}", reactivate_patch())
    assert len(sent_to(VICTIM)) == limit
    other_scim.post("/Users", user_body(VICTIM))
    assert len(sent_to(VICTIM)) == limit + 1


# -- made-up links --------------------------------------------------------------------------


def writes_of(queries):
    return [
        query["sql"]
        for query in queries
        if query["sql"].lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE")
    ]


def test_an_unknown_link_writes_nothing(scim, settings):
    scim.post("/Users", user_body(VICTIM))  # an invitation exists; these links are not its
    sessions = Session.objects.count()
    tokens = ("not-a-real-token", "A" * 43, invitations.hash_token("x"))
    with CaptureQueriesContext(connection) as queries:
        for token in tokens:
            browser = Client()
            response = browser.get(f"/invitations/{token}/")
            assert response.status_code == 302
            assert response["Location"] == "/invitations/accept/"
            assert settings.SESSION_COOKIE_NAME not in response.cookies
            page = browser.get("/invitations/accept/")
            assert "does not work" in page.content.decode()
    assert writes_of(queries) == []
    assert Session.objects.count() == sessions


def test_a_real_link_writes_only_its_session(scim, settings):
    scim.post("/Users", user_body(VICTIM))
    link = accept_link(mail.outbox[0])
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(path)
    assert response.status_code == 302 and settings.SESSION_COOKIE_NAME in response.cookies
    writes = writes_of(queries)
    assert writes and all("django_session" in sql for sql in writes)
