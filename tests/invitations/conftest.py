"""The invitation tests' real parts: an SMTP server (aiosmtpd) the app sends to, and the
host's Celery app on the real broker for a worker (tests/celery_worker.py)."""

import os

import pytest
from celery_worker import point_broker
from mail_servers import SmtpServer, point_email_at

from cosmo_scim.tasks import breaker


@pytest.fixture
def smtp(settings):
    """A real SMTP server the app's email settings point at, not started yet: until the
    test starts it, its port refuses connections."""
    server = SmtpServer()
    point_email_at(settings, server.port)
    yield server
    server.stop()


@pytest.fixture
def live_celery():
    """The host's Celery app, publishing to the real broker, with an empty queue (tasks are
    not eager for a test that asks for it: tests/conftest.py)."""
    from cosmo_project.celery import app

    app.control.purge()
    breaker.reset()
    yield app
    point_broker(app, os.environ["CELERY_BROKER_URL"])
    breaker.reset()
