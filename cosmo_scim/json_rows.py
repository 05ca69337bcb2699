"""A child table's rows as one JSON array column of the outer query.

A page of users needs their emails and groups: as prefetches that is two more queries and a
model instance per child row. Aggregated in the page's own query it is none, on PostgreSQL
(``jsonb_agg``) and SQLite (``json_group_array``) alike.

The correlated subquery is written with the ORM but compiled once per database: its SQL
never changes, and compiling it on every request cost more than running it (about 1.5 ms of
a lookup's 17 on the benchmark machine — the profile is in docs/performance.md).
"""

from django.db import connections
from django.db.models import JSONField
from django.db.models.expressions import RawSQL

_TEMPLATES = {
    "postgresql": "(SELECT COALESCE(jsonb_agg(_rows.item), '[]'::jsonb) FROM ({}) _rows)",
    "sqlite": "(SELECT COALESCE(json_group_array(json(_rows.item)), '[]') FROM ({}) _rows)",
}


class JSONRows:
    """``rows(outer_pk)`` must return a queryset of the child rows of the outer row whose
    primary key is ``outer_pk``, selecting one column named ``item`` that holds a JSON
    object (``.values(item=JSONObject(...))``), in the order wanted.

    :meth:`annotation` is the list of those objects (``[]`` when there are none), for a
    queryset of ``outer_model`` that reads that model's table under its own name — a
    top-level queryset, which is what every SCIM read is.
    """

    def __init__(self, outer_model, rows):
        self.outer_model = outer_model
        self.rows = rows
        self._compiled = {}

    def annotation(self, using="default"):
        compiled = self._compiled.get(using)
        if compiled is None:
            compiled = self._compiled[using] = self._compile(connections[using])
        sql, params = compiled
        # The SQL is the ORM's own compilation (below), with its parameters kept apart.
        return RawSQL(sql, params, output_field=JSONField())  # noqa: S611

    def _compile(self, connection):
        quote = connection.ops.quote_name
        meta = self.outer_model._meta
        # Quoted identifiers from the model's metadata; no value reaches this string.
        outer_pk = RawSQL(f"{quote(meta.db_table)}.{quote(meta.pk.column)}", ())  # noqa: S611
        query = self.rows(outer_pk).query
        sql, params = query.get_compiler(connection=connection).as_sql()
        return _TEMPLATES[connection.vendor].format(sql), tuple(params)
