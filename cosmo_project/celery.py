"""The host's Celery application.

With ``CELERY_BROKER_URL`` unset, tasks run eagerly in-process (see settings), so the demo and
the SQLite test run need no Redis.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cosmo_project.settings")

app = Celery("cosmo_project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
