"""A real Celery worker for the tests that need one (pytest puts tests/ on sys.path): the
host's app publishing to the real broker (CELERY_BROKER_URL), and a worker running in a
thread of the test process (celery.contrib.testing), so it shares the test's settings (its
email backend, its mail server) and uses a database connection of its own."""

from contextlib import contextmanager

from celery.contrib.testing.worker import start_worker


def point_broker(app, url):
    """Publish to ``url``. Publishing uses broker_write_url: broker_url would lose to the
    CELERY_BROKER_URL environment variable, which Celery reads first. The app caches its
    connection and producer pools; drop them so the next publish connects to ``url``."""
    app.conf.broker_write_url = url
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def worker(app):
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
        yield
