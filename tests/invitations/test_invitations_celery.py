"""Invitations through a real Celery worker on the real Redis broker.

Run when CELERY_BROKER_URL is set (CI's PostgreSQL + Redis run). The worker runs in a thread
of this process (celery.contrib.testing), so it shares the locmem outbox; it has its own
database connection, hence committed (transactional) tests.
"""

import io
import os
import time
from contextlib import contextmanager

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.core.management import call_command
from scimkit import user_body

from cosmo_scim.models import Invitation
from cosmo_scim.tasks import send_invitation, send_pending_invitations

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

EMAIL = "jane@acme.example"
CLOSED_PORT_BROKER = "redis://127.0.0.1:1/15"


@pytest.fixture
def live_celery():
    """The host's Celery app, publishing to the real broker, with an empty queue."""
    from cosmo_project.celery import app

    app.control.purge()
    yield app
    _point_broker(app, os.environ["CELERY_BROKER_URL"])


def _point_broker(app, url):
    # The app caches its connection and producer pools; drop them so the next publish
    # connects to ``url``.
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def worker(app):
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
        yield


def wait_for_outbox(count, timeout=20):
    deadline = time.monotonic() + timeout
    while len(mail.outbox) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    # Then give a duplicate the time to show up, if there were one.
    time.sleep(1)
    return len(mail.outbox)


def test_worker_sends_the_invitation_once(live_celery, scim):
    with worker(live_celery):
        assert scim.post("/Users", user_body(EMAIL)).status_code == 201
        assert wait_for_outbox(1) == 1
    invitation = Invitation.objects.get()
    assert invitation.sent_at is not None and invitation.send_attempts == 1


def test_duplicate_task_messages_send_one_email(live_celery, scim):
    assert scim.post("/Users", user_body(EMAIL)).status_code == 201  # queued, no worker yet
    invitation = Invitation.objects.get()
    send_invitation.delay(invitation.pk)
    send_invitation.delay(invitation.pk)
    with worker(live_celery):
        assert wait_for_outbox(1) == 1
    assert Invitation.objects.get().send_attempts == 1


def test_smtp_failures_are_retried_with_backoff_until_sent(live_celery, scim, settings):
    from email_backends import FlakyBackend

    settings.EMAIL_BACKEND = "email_backends.FlakyBackend"
    FlakyBackend.failures_left = 2
    with worker(live_celery):
        assert scim.post("/Users", user_body(EMAIL)).status_code == 201
        assert wait_for_outbox(1, timeout=30) == 1
    invitation = Invitation.objects.get()
    assert invitation.send_attempts == 3 and invitation.status == "pending"
    assert invitation.sent_at is not None and invitation.last_error == ""


def test_last_failed_try_marks_the_invitation_failed(live_celery, scim, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    settings.COSMO_SCIM = {**settings.COSMO_SCIM, "INVITATION_SEND_ATTEMPTS": 2}
    with worker(live_celery):
        assert scim.post("/Users", user_body(EMAIL)).status_code == 201
        deadline = time.monotonic() + 30
        while Invitation.objects.get().status != "failed" and time.monotonic() < deadline:
            time.sleep(0.1)
    invitation = Invitation.objects.get()
    assert invitation.status == "failed" and invitation.send_attempts == 2
    assert "ConnectionRefusedError" in invitation.last_error


def test_broker_outage_then_recovery_sends_exactly_one_email(live_celery, scim):
    _point_broker(live_celery, CLOSED_PORT_BROKER)
    started = time.monotonic()
    response = scim.post("/Users", user_body(EMAIL))
    assert response.status_code == 201  # provisioning does not depend on the broker
    assert time.monotonic() - started < 10
    invitation = Invitation.objects.get()
    assert invitation.status == "pending" and invitation.sent_at is None and mail.outbox == []

    _point_broker(live_celery, os.environ["CELERY_BROKER_URL"])
    with worker(live_celery):
        send_pending_invitations.delay()  # what celery beat sends every few minutes
        send_pending_invitations.delay()
        assert wait_for_outbox(1) == 1
    call_command("send_pending_invitations", stdout=io.StringIO())
    assert len(mail.outbox) == 1
    assert Invitation.objects.get().sent_at is not None
