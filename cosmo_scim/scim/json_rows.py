"""A subquery's rows as one JSON array column of the outer query.

A page of users needs their emails and groups: as prefetches that is two more queries and a
model instance per child row. Aggregated in the page's own query it is none, on PostgreSQL
(``jsonb_agg``) and SQLite (``json_group_array``) alike.
"""

from django.db.models import JSONField, Subquery


class JSONArraySubquery(Subquery):
    """``queryset`` must select exactly one column named ``item`` holding a JSON object
    (``.values(item=JSONObject(...))``); the annotation is the list of those objects, in
    the queryset's order (``[]`` when it has no rows)."""

    output_field = JSONField()

    def as_sql(self, compiler, connection, template=None, **extra_context):
        template = (
            "(SELECT COALESCE(json_group_array(json(_rows.item)), '[]') FROM (%(subquery)s) _rows)"
        )
        return super().as_sql(compiler, connection, template=template, **extra_context)

    def as_postgresql(self, compiler, connection, template=None, **extra_context):
        template = "(SELECT COALESCE(jsonb_agg(_rows.item), '[]'::jsonb) FROM (%(subquery)s) _rows)"
        return super().as_sql(compiler, connection, template=template, **extra_context)
