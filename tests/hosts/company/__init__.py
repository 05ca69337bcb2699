"""A third host product for the test suite, shaped unlike Cosmo and unlike the workspace
host: a custom email-login user model without ``username`` (``Account``), UUID primary keys
on every model, ``Company`` / ``Seat(holder, company, role, is_enabled)`` with roles of its
own (owner, editor, reader) and ``Crew(company, label, seats)``.

Set up the way docs/integrate.md tells a product team to, with no template of cosmo_scim
overridden and the default adapter's rules (every company may use SCIM; roles ranked by
their choices). CI runs the shared suite against it on PostgreSQL and SQLite (``.ci/run``).
"""

from .celery import app as celery_app

__all__ = ["celery_app"]
