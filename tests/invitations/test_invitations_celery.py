"""Invitations through a real Celery worker on the real Redis broker.

Run when CELERY_BROKER_URL is set (CI's PostgreSQL + Redis run). The worker runs in a thread
of this process (celery.contrib.testing), so it shares the locmem outbox; it has its own
database connection, hence committed (transactional) tests.
"""

import io
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from celery_worker import point_broker, worker
from django.core import mail
from django.core.management import call_command
from django.db import connection
from mail_servers import Tarpit, free_port
from scimkit import user_body

from cosmo_scim.models import Invitation
from cosmo_scim.provisioning import invitation_delivery
from cosmo_scim.tasks import breaker, send_invitation, send_pending_invitations

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

EMAIL = "jane@acme.example"
CLOSED_PORT_BROKER = "redis://127.0.0.1:1/15"
ROOT = Path(__file__).resolve().parents[2]


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


def test_refused_smtp_is_retried_by_the_task_until_the_server_is_back(
    live_celery, scim, smtp, settings
):
    """A real mail server refusing connections, then restored: the task retries on the
    invitation's backoff and delivers each email once, with no sweep and no admin."""
    settings.COSMO_SCIM = {**settings.COSMO_SCIM, "INVITATION_RETRY_DELAY": 1}
    with worker(live_celery):
        for email in ("ann@acme.example", "bob@acme.example"):
            assert scim.post("/Users", user_body(email)).status_code == 201
        assert wait_until(
            lambda: all("ConnectionRefused" in i.last_error for i in Invitation.objects.all())
        )
        smtp.start()
        assert wait_until(lambda: len(smtp.handler.messages) >= 2, timeout=30)
        time.sleep(1)  # time for a duplicate to show up, if there were one
    assert smtp.handler.recipients() == ["ann@acme.example", "bob@acme.example"]
    for invitation in Invitation.objects.all():
        assert invitation.status == "pending" and invitation.sent_at is not None
        assert invitation.send_attempts >= 2 and invitation.last_error == ""


def wait_until(condition, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_last_failed_try_marks_the_invitation_failed(live_celery, scim, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    settings.COSMO_SCIM = {
        **settings.COSMO_SCIM,
        "INVITATION_SEND_ATTEMPTS": 2,
        "INVITATION_RETRY_DELAY": 0,
    }
    with worker(live_celery):
        assert scim.post("/Users", user_body(EMAIL)).status_code == 201
        deadline = time.monotonic() + 30
        while Invitation.objects.get().status != "failed" and time.monotonic() < deadline:
            time.sleep(0.1)
    invitation = Invitation.objects.get()
    assert invitation.status == "failed" and invitation.send_attempts == 2
    assert invitation.last_error.startswith("Not sent after 2 tries: ConnectionRefusedError")


@pytest.mark.processes
def test_broker_outage_then_recovery_sends_exactly_one_email(live_celery, scim):
    point_broker(live_celery, CLOSED_PORT_BROKER)
    started = time.monotonic()
    response = scim.post("/Users", user_body(EMAIL))
    assert response.status_code == 201  # provisioning does not depend on the broker
    assert time.monotonic() - started < 10
    invitation = Invitation.objects.get()
    assert invitation.status == "pending" and invitation.sent_at is None and mail.outbox == []

    point_broker(live_celery, os.environ["CELERY_BROKER_URL"])
    with worker(live_celery):
        send_pending_invitations.delay()  # what celery beat sends every few minutes
        send_pending_invitations.delay()
        assert wait_for_outbox(1) == 1
    call_command("send_pending_invitations", stdout=io.StringIO())
    assert len(mail.outbox) == 1
    assert Invitation.objects.get().sent_at is not None


@contextmanager
def own_redis():
    """A redis-server of this test's own, on a free port, to stop and start at will."""
    port = free_port()

    def start():
        process = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                import redis

                redis.Redis(port=port).ping()
                return process
            except Exception:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    server = {"process": start()}

    def stop():
        server["process"].terminate()
        server["process"].wait(10)

    def restart():
        server["process"] = start()

    try:
        yield f"redis://127.0.0.1:{port}/0", stop, restart
    finally:
        server["process"].terminate()
        server["process"].wait(10)


def test_with_redis_stopped_publishing_fails_fast_and_the_sweep_sends(live_celery, scim):
    with own_redis() as (url, stop, restart):
        point_broker(live_celery, url)
        stop()
        started = time.monotonic()
        for email in ("ann@acme.example", "bob@acme.example", "cat@acme.example"):
            assert scim.post("/Users", user_body(email)).status_code == 201
        # A bound on blocking, not a measurement (docs/security.md has the numbers): before
        # the fail-fast settings and the breaker, each of these POSTs waited ~4 s.
        assert time.monotonic() - started < 3
        assert breaker.is_open()  # the first publish failed; the others did not even try
        assert Invitation.objects.filter(sent_at=None, claimed_at=None).count() == 3

        restart()
        call_command("send_pending_invitations", stdout=io.StringIO())
        call_command("send_pending_invitations", stdout=io.StringIO())
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ann@acme.example",
        "bob@acme.example",
        "cat@acme.example",
    ]


@pytest.mark.processes
@pytest.mark.postgres
def test_a_worker_killed_before_the_smtp_transaction_is_recovered_and_sent_once(
    live_celery, scim, smtp, settings
):
    """A real worker process claims the invitation and hangs connecting to a mail server
    that never greets; it is SIGKILLed there. Nothing was sent, so the sweep takes the
    claim over after INVITATION_START_TIMEOUT (not the 600 s claim timeout) and sends it."""
    import redis

    tarpit = Tarpit()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict),
        "EMAIL_URL": f"smtp://127.0.0.1:{tarpit.port}",
        "EMAIL_TIMEOUT": "120",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cosmo_project",
            "worker",
            "-P",
            "solo",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "-l",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert scim.post("/Users", user_body(EMAIL)).status_code == 201
        assert tarpit.connected.wait(60), "the worker never reached the mail server"
        claimed = Invitation.objects.get()
        assert claimed.claimed_at and claimed.transmit_started_at is None
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
        tarpit.close()
        # The killed worker's message waits in the broker's unacked set; drop it so that
        # no later run's worker receives it.
        redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).delete(
            "unacked", "unacked_index", "unacked_mutex"
        )

    smtp.start()
    settings.COSMO_SCIM = {**settings.COSMO_SCIM, "INVITATION_START_TIMEOUT": 1}
    time.sleep(1.1)
    assert invitation_delivery.send_pending() == 1
    assert invitation_delivery.send_pending() == 0
    invitation = Invitation.objects.get()
    assert invitation.sent_at and invitation.send_attempts == 2
    assert smtp.handler.recipients() == [EMAIL]
