"""Invitation delivery through mail server and database outages, against a real SMTP
server (aiosmtpd): what provably did not go out is retried, what may have gone out is never
sent twice, and a send the database missed is recorded, not repeated."""

import threading
import time

import pytest
from django.db import connection
from mail_servers import Tarpit, point_email_at
from scimkit import user_body

from cosmo_scim.models import Invitation
from cosmo_scim.provisioning import invitation_delivery, invitations

pytestmark = pytest.mark.django_db(transaction=True)

EMAILS = ["ann@acme.example", "bob@acme.example", "cat@acme.example"]
LIST = "/admin/cosmo_scim/invitation/"


@pytest.fixture
def delivery_settings(settings):
    def set_(**values):
        settings.COSMO_SCIM = {**settings.COSMO_SCIM, **values}

    return set_


def provision(scim, emails=EMAILS):
    for email in emails:
        assert scim.post("/Users", user_body(email)).status_code == 201


def test_refused_connections_then_restored_deliver_each_invitation_exactly_once(
    scim, smtp, delivery_settings, admin_client
):
    delivery_settings(INVITATION_RETRY_DELAY=1)
    provision(scim)  # the mail server's port refuses connections
    for invitation in Invitation.objects.all():
        assert invitation.status == "pending" and invitation.sent_at is None
        assert invitation.claimed_at is None and invitation.next_attempt_at is not None
        assert "ConnectionRefusedError" in invitation.last_error
    page = admin_client.get(LIST).content.decode()
    assert page.count("Not sent yet, nothing went out") == 3
    assert invitation_delivery.send_pending() == 0  # the backoff has not passed

    smtp.start()
    time.sleep(1.1)
    assert invitation_delivery.send_pending() == 3
    assert invitation_delivery.send_pending() == 0
    assert smtp.handler.recipients() == EMAILS
    for invitation in Invitation.objects.all():
        assert invitation.sent_at and invitation.send_attempts == 2 and invitation.last_error == ""
    assert admin_client.get(LIST).content.decode().count("Sent 20") == 3


def test_a_sweep_stops_at_an_unreachable_mail_server(scim, smtp, delivery_settings):
    """The others would only wait for it in turn; the next sweep tries again."""
    delivery_settings(INVITATION_RETRY_DELAY=0)
    provision(scim)  # each tried once by its task
    assert invitation_delivery.send_pending() == 0
    attempts = sorted(Invitation.objects.values_list("send_attempts", flat=True))
    assert attempts == [1, 1, 2]


def test_the_backoff_doubles_up_to_an_hour_and_spans_hours():
    delays = [invitation_delivery.retry_delay(n) for n in (1, 2, 3, 7, 11)]
    assert delays == [60, 120, 240, 3600, 3600]
    # The waits between 12 tries:
    total = sum(invitation_delivery.retry_delay(n) for n in range(1, 12))
    assert 5 * 3600 < total < 7 * 3600


def test_a_mail_server_that_stays_down_ends_in_never_sent(
    scim, smtp, delivery_settings, admin_client
):
    delivery_settings(INVITATION_RETRY_DELAY=0, INVITATION_SEND_ATTEMPTS=2)
    provision(scim, EMAILS[:1])
    assert invitation_delivery.send_pending() == 0
    invitation = Invitation.objects.get()
    assert invitation.status == "failed" and invitation.send_attempts == 2
    assert invitation.last_error.startswith("Not sent after 2 tries: ConnectionRefusedError")
    assert "Never sent; resend to try again" in admin_client.get(LIST).content.decode()
    assert invitation_delivery.send_pending() == 0 and invitation.send_attempts == 2


def test_a_refused_recipient_went_nowhere_and_is_tried_again(scim, smtp, delivery_settings):
    delivery_settings(INVITATION_RETRY_DELAY=0)
    smtp.start()
    smtp.handler.mode = "refuse"
    provision(scim, EMAILS[:1])
    invitation = Invitation.objects.get()
    assert invitation.status == "pending" and "SMTPRecipientsRefused" in invitation.last_error
    smtp.handler.mode = "accept"
    assert invitation_delivery.send_pending() == 1
    assert smtp.handler.recipients() == EMAILS[:1]


def test_a_connection_lost_after_the_message_is_unconfirmed_and_never_resent(
    scim, smtp, delivery_settings, admin_client
):
    delivery_settings(INVITATION_RETRY_DELAY=0)
    smtp.start()
    smtp.handler.mode = "drop"  # the server has the message; the client never hears back
    provision(scim, EMAILS[:1])
    invitation = Invitation.objects.get()
    assert invitation.status == "unconfirmed" and invitation.sent_at is None
    assert "may have gone out" in invitation.last_error
    assert len(smtp.handler.received) == 1
    smtp.handler.mode = "accept"
    assert invitation_delivery.send_pending() == 0
    assert invitation_delivery.deliver(invitation.pk) is False
    assert len(smtp.handler.received) == 1  # never a second copy on its own
    page = admin_client.get(LIST, {"status__exact": "unconfirmed"}).content.decode()
    assert EMAILS[0] in page and "May not have gone out" in page

    admin_client.post(LIST, {"action": "resend", "_selected_action": [invitation.pk]})
    invitation.refresh_from_db()
    assert invitation.status == "pending" and invitation.sent_at is not None  # the admin's call
    assert len(smtp.handler.messages) == 1


@pytest.mark.usefixtures("needs_postgres")
def test_the_database_dropping_after_the_send_is_recorded_as_sent(scim, smtp):
    smtp.start()
    sender_pid = connection.cursor().connection.info.backend_pid

    import psycopg  # PostgreSQL only: the package's SQLite-only test runs lack it

    def drop_the_senders_database_connection():
        params = connection.get_connection_params()
        with psycopg.connect(**params, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [sender_pid])

    smtp.handler.after_data = drop_the_senders_database_connection
    provision(scim, EMAILS[:1])
    invitation = Invitation.objects.get()
    assert smtp.handler.recipients() == EMAILS[:1]
    assert invitation.status == "pending" and invitation.sent_at is not None
    assert invitation.send_attempts == 1 and invitation.last_error == ""
    smtp.handler.after_data = None
    assert invitation_delivery.send_pending() == 0
    assert len(smtp.handler.received) == 1


@pytest.mark.usefixtures("needs_postgres")
def test_a_sender_whose_claim_was_taken_over_stands_down(scim, smtp, settings, delivery_settings):
    """A sender stuck connecting (a mail server that never greets) is presumed dead after
    INVITATION_START_TIMEOUT; the next sender takes over and sends, and the first one,
    when it wakes, changes nothing."""
    smtp.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    provision(scim, EMAILS[:1])  # sent to the outbox; make it unsent again:
    invitation = Invitation.objects.get()
    invitations.reset_for_resend(invitation)
    tarpit = Tarpit()
    point_email_at(settings, tarpit.port, timeout=3)
    results = []

    def deliver_in_a_thread():
        try:
            results.append(invitation_delivery.deliver(invitation.pk))
        finally:
            connection.close()

    stuck = threading.Thread(target=deliver_in_a_thread)
    stuck.start()
    assert tarpit.connected.wait(10)
    claimed = Invitation.objects.get()
    assert claimed.claimed_at and claimed.transmit_started_at is None

    delivery_settings(INVITATION_START_TIMEOUT=0)
    point_email_at(settings, smtp.port)
    assert invitation_delivery.send_pending() == 1
    stuck.join(15)
    tarpit.close()
    assert results == [False]
    invitation.refresh_from_db()
    assert invitation.sent_at and invitation.last_error == "" and invitation.send_attempts == 2
    assert smtp.handler.recipients() == EMAILS[:1]


def test_a_late_record_corrects_an_unconfirmed_verdict_and_only_for_its_transmission(scim, smtp):
    """What the record_invitation_sent task does once the database is back, after the
    sweep had marked the invitation unconfirmed meanwhile."""
    from django.utils import timezone

    from cosmo_scim.tasks import record_invitation_sent

    smtp.start()
    provision(scim, EMAILS[:1])
    invitation = Invitation.objects.get()
    started = invitation.transmit_started_at
    Invitation.objects.update(sent_at=None, status="unconfirmed", last_error="may have")
    record_invitation_sent(invitation.pk, timezone.now().isoformat(), timezone.now().isoformat())
    assert Invitation.objects.get().status == "unconfirmed"  # another transmission: untouched
    record_invitation_sent(invitation.pk, started.isoformat(), timezone.now().isoformat())
    invitation.refresh_from_db()
    assert invitation.status == "pending" and invitation.sent_at and invitation.last_error == ""
    assert len(smtp.handler.received) == 1
