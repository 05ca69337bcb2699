"""Correlated subqueries written with the ORM and compiled once per database.

A page of users needs each user's emails, groups and membership state. As prefetches that
is two more queries and a model instance per child row; as a join, the membership table
follows the query everywhere (even into a deep page's key subquery, which then cannot be
read from the index alone). As correlated subqueries in the page's own select list they cost
neither, on PostgreSQL and SQLite alike.

Their SQL never changes, and compiling them on every request cost more than running them
(about 1.5 ms of a 17 ms lookup on the benchmark machine, docs/performance.md), so each is
compiled by the ORM once per database and reused as a RawSQL annotation.
"""

from collections.abc import Callable
from typing import Any, TypeAlias, cast

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, JSONField, Model, QuerySet
from django.db.models.expressions import RawSQL

# The subquery of one outer row, given the outer row's column as an expression.
Build: TypeAlias = Callable[[RawSQL], QuerySet[Any, Any]]
# Compiled SQL and its parameters.
Compiled: TypeAlias = tuple[str, tuple[Any, ...]]


class Correlated:
    """``build(outer)`` returns a queryset selecting one value of the row of ``outer_model``
    whose ``outer_field`` column is ``outer`` (``.values("column")``). :meth:`annotation` is
    that value, for a queryset of ``outer_model`` that reads the model's table under its
    own name — a top-level queryset, which is what every SCIM read is."""

    def __init__(
        self,
        outer_model: type[Model],
        build: Build,
        output_field: "Field[Any, Any]",
        outer_field: str = "pk",
    ) -> None:
        self.outer_model = outer_model
        self.build = build
        self.output_field = output_field
        self.outer_field = outer_field
        self._compiled: dict[str, Compiled] = {}

    def annotation(self, using: str = "default") -> RawSQL:
        compiled = self._compiled.get(using)
        if compiled is None:
            compiled = self._compiled[using] = self._compile(connections[using])
        sql, params = compiled
        # The SQL is the ORM's own compilation (below), with its parameters kept apart.
        return RawSQL(sql, params, output_field=self.output_field)  # noqa: S611

    def wrap(self, sql: str, connection: BaseDatabaseWrapper) -> str:
        return f"({sql})"

    def _compile(self, connection: BaseDatabaseWrapper) -> Compiled:
        quote = connection.ops.quote_name
        meta = self.outer_model._meta
        # outer_field names a column of the model (a concrete field, not a relation's far side).
        field = (
            meta.pk
            if self.outer_field == "pk"
            else cast("Field[Any, Any]", meta.get_field(self.outer_field))
        )
        column = field.column
        # Quoted identifiers from the model's metadata; no value reaches this string.
        outer = RawSQL(f"{quote(meta.db_table)}.{quote(column)}", ())  # noqa: S611
        sql, params = self.build(outer).query.get_compiler(connection=connection).as_sql()
        return self.wrap(sql, connection), tuple(params)


class JSONRows(Correlated):
    """The child rows of ``build(outer_pk)`` — a queryset selecting one column named
    ``item`` that holds a JSON object (``.values(item=JSONObject(...))``), in the order
    wanted — as one JSON array (``[]`` when there are none)."""

    TEMPLATES = {
        "postgresql": "(SELECT COALESCE(jsonb_agg(_rows.item), '[]'::jsonb) FROM ({}) _rows)",
        "sqlite": "(SELECT COALESCE(json_group_array(json(_rows.item)), '[]') FROM ({}) _rows)",
    }

    def __init__(self, outer_model: type[Model], build: Build) -> None:
        super().__init__(outer_model, build, JSONField())

    def wrap(self, sql: str, connection: BaseDatabaseWrapper) -> str:
        return self.TEMPLATES[connection.vendor].format(sql)
