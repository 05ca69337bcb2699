"""Counting for changelists that stays cheap on tables of millions of rows.

Django's changelist counts the rows it pages through (``COUNT(*)``) and, with
``show_full_result_count``, the whole table again for "N of M selected". On the audit
trail (millions of events) each is a scan of the table on every page view. So:

- ``show_full_result_count = False`` on every cosmo_scim changelist (scope.py);
- :class:`EstimatedCountPaginator`: when the changelist shows the table unfiltered (a
  superuser's first view), the count is PostgreSQL's estimate of the table's rows
  (``pg_class.reltuples``, kept by ANALYZE and autovacuum) instead of a ``COUNT(*)``.
  Once filtered (to an organization, an action, a search), or on a scoped view (an org
  admin's organizations), it is an exact count of those rows, read from an index that
  starts with the organization.
"""

from typing import Any

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property


def estimated_rows(queryset: QuerySet[Any]) -> int | None:
    """PostgreSQL's estimate of the rows of the queryset's table, or None (another
    database, or a table never analyzed)."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)",
            [connection.ops.quote_name(queryset.model._meta.db_table)],
        )
        row = cursor.fetchone()
    if row is None or row[0] is None or row[0] < 0:  # -1: never vacuumed or analyzed
        return None
    return int(row[0])


class EstimatedCountPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet) or queryset.query.where:
            return super().count
        estimate = estimated_rows(queryset)
        return super().count if estimate is None else estimate
