"""Mail servers for the invitation tests: a real SMTP server (aiosmtpd) the app sends to."""

import pytest
from mail_servers import SmtpServer, point_email_at


@pytest.fixture
def smtp(settings):
    """A real SMTP server the app's email settings point at, not started yet: until the
    test starts it, its port refuses connections."""
    server = SmtpServer()
    point_email_at(settings, server.port)
    yield server
    server.stop()
