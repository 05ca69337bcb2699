"""The tenant predicate of every SCIM read, and the order that pages follow.

Reads are scoped to the key's organization (``of_tenant``) and paged in
``(organization_id, id)`` order (``ordered``), the order of the per-tenant indexes
``cosmo_scim_user_page`` and ``cosmo_scim_group_page``.

Why not ``organization_id = X ORDER BY id``: PostgreSQL treats a column compared with a
constant as fixed, drops it from the ordering, and may then serve ``ORDER BY id LIMIT n``
by walking the primary key and filtering out every other tenant's row. Its cost model
assumes a tenant's rows are spread evenly over the ids; in a SaaS they are not (an
organization that joined last has the highest ids: the walk reads the whole table before
its first row). Written as ``organization_id = ANY(ARRAY[X])`` (the same rows), the column is
not fixed, ``ORDER BY organization_id, id`` can only be served by an index that starts with
the tenant, and the primary-key walk is no longer a candidate. The estimate of the tenant's
rows is the same (the column's statistics). Measured in docs/performance.md and asserted
by tests/scim_api/test_rows_read.py.
"""

from typing import Any, TypeVar

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Lookup, Model, QuerySet
from django.db.models.expressions import OrderBy
from django.db.models.sql.compiler import SQLCompiler

from ..host import Organization

M = TypeVar("M", bound=Model)
# What a queryset yields: its model, or the dicts of its values().
R = TypeVar("R")

TENANT = "organization_id"


class _Written(Lookup):
    """A lookup written from a template of its two sides (``{lhs}``, ``{rhs}``): ``sql`` for
    every database, ``postgresql`` for PostgreSQL's planner (the module docstring)."""

    sql: str
    postgresql: str

    def _render(
        self, template: str, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return template.format(lhs=lhs, rhs=rhs), (*lhs_params, *rhs_params)

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[Any, ...]]:
        return self._render(self.sql, compiler, connection)

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[Any, ...]]:
        return self._render(self.postgresql, compiler, connection)


class _SameTenant(_Written):
    lookup_name = "same_tenant"
    sql = "{lhs} = {rhs}"
    postgresql = "{lhs} = ANY(ARRAY[{rhs}])"


def of_tenant(queryset: QuerySet[M, R], organization: Organization) -> QuerySet[M, R]:
    """``queryset`` (of a model with an ``organization`` foreign key) limited to the rows of
    ``organization``."""
    return of_tenant_id(queryset, organization.pk, TENANT)


def of_tenant_id(queryset: QuerySet[M, R], organization_id: object, field: str) -> QuerySet[M, R]:
    """``queryset`` limited to the rows of the organization ``organization_id`` (its primary
    key, a Python value), which ``field`` names: a foreign key, or a path to one
    (``connection__organization``). The admin scopes its lists with it (admin/scope.py)."""
    return queryset.filter(_SameTenant(F(field), organization_id))


def ordered(queryset: QuerySet[M], *ordering: OrderBy | str) -> QuerySet[M]:
    """``queryset`` in ``ordering`` (which ends with the unique ``pk``), within its tenant:
    the same rows in the same order, planned on the tenant's own index."""
    return queryset.order_by(TENANT, *ordering)


class _AmongKeys(_Written):
    lookup_name = "among_keys"
    sql = "{lhs} IN {rhs}"
    postgresql = "{lhs} = ANY(ARRAY{rhs})"


def among(queryset: QuerySet[M], keys: QuerySet[Any]) -> QuerySet[M]:
    """``queryset`` limited to the primary keys ``keys`` selects (a page's keys, chosen by a
    subquery). On PostgreSQL written ``pk = ANY(ARRAY(subquery))``: the keys are computed
    once and each row is then fetched by them, where ``pk IN (subquery)`` may be planned
    as a hash join over every row of the tenant."""
    return queryset.filter(_AmongKeys(F("pk"), keys))
