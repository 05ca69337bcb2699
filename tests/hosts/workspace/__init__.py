"""A second host product for the test suite, shaped unlike Cosmo: Django's stock
``auth.User`` (username login, emails not unique), ``Workspace`` /
``WorkspaceMember(user, workspace, role, active)`` and ``Squad(workspace, title, people)``.

It is set up the way docs/integrate.md tells a product team to: its own settings, URLs,
Celery app (the standard ``celery.py`` recipe, imported here) and a short HostAdapter
subclass. CI runs the SCIM API suite that matters against it as well as against Cosmo
(``.ci/run``).
"""

from .celery import app as celery_app

__all__ = ["celery_app"]
