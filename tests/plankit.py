"""Rows read by what a request sent to PostgreSQL: each statement captured as it ran, then
run again under ``EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)`` in the state it first ran in.

Used by tests/scim_api/test_rows_read.py (bounds that fail CI when a plan starts walking
the table) and by bench/scim_bench.py (the rows-read column of docs/performance.md).

"Rows read" of a statement is what its scan nodes took from tables and indexes: for every
Seq Scan, Index Scan, Index Only Scan and Bitmap Heap Scan, the rows it returned plus the
rows its filter and its index recheck removed, times its loops (EXPLAIN prints per-loop
averages). A Bitmap Index Scan is not added to its Bitmap Heap Scan, which counts the
same rows. Row counts, not times: they do not move with the machine's load.
"""

from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction

SCANS = {"Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan"}
# Statements that carry no plan.
_SKIP = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "SET ")


@dataclass
class Scan:
    node: str
    relation: str
    index: str | None
    rows: int


@dataclass
class Statement:
    sql: str
    plan: dict
    scans: list = field(default_factory=list)

    @property
    def rows_read(self):
        return sum(scan.rows for scan in self.scans)

    def rows_of(self, relation):
        return sum(scan.rows for scan in self.scans if scan.relation == relation)

    def describe(self):
        scans = "\n".join(
            f"     {scan.node} on {scan.relation}"
            f"{f' using {scan.index}' if scan.index else ''}: {scan.rows}"
            for scan in self.scans
        )
        return f"-- {self.rows_read} rows: {self.sql[:300]}\n{scans}"


@dataclass
class Explained:
    statements: list

    @property
    def rows_read(self):
        return sum(statement.rows_read for statement in self.statements)

    def rows_of(self, relation):
        return sum(statement.rows_of(relation) for statement in self.statements)

    def worst(self):
        return max(self.statements, key=lambda s: s.rows_read, default=None)

    def describe(self):
        """Every statement with its scans: what a failing bound prints."""
        return "\n".join(statement.describe() for statement in self.statements)


def _scans(node, found):
    loops = node.get("Actual Loops", 0)
    if node["Node Type"] in SCANS:
        per_loop = (
            node.get("Actual Rows", 0)
            + node.get("Rows Removed by Filter", 0)
            + node.get("Rows Removed by Index Recheck", 0)
        )
        found.append(
            Scan(
                node["Node Type"],
                node.get("Relation Name", "?"),
                node.get("Index Name"),
                round(per_loop * loops),
            )
        )
    for child in node.get("Plans", ()):
        _scans(child, found)
    return found


@contextmanager
def captured(using=connection):
    """The statements (sql, params) run on ``using`` inside the block."""
    sent = []

    def record(execute, sql, params, many, context):
        if not many:
            sent.append((sql, params))
        return execute(sql, params, many, context)

    with using.execute_wrapper(record):
        yield sent


def explain(sent, using=connection):
    """Run ``sent`` again, in order, under EXPLAIN ANALYZE, then roll the replay back. Call
    it in the state the statements first ran in (the request itself rolled back), so each
    reads what it read then; deferred foreign keys are never checked, as nothing commits."""
    statements = []
    with transaction.atomic(using=using.alias):
        with using.cursor() as cursor:
            for sql, params in sent:
                if sql.lstrip().upper().startswith(_SKIP):
                    continue
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params)
                plan = cursor.fetchone()[0]
                plan = plan[0] if isinstance(plan, list) else plan
                statements.append(Statement(sql, plan, _scans(plan["Plan"], [])))
        transaction.set_rollback(True, using=using.alias)
    return Explained(statements)


class _Undo(Exception):
    pass


def rows_read(call, using=connection):
    """``call()`` (a request), rolled back, then explained: ``(its result, Explained)``."""
    result = None
    sent = None
    try:
        with transaction.atomic(using=using.alias):
            with captured(using) as sent:
                result = call()
            raise _Undo
    except _Undo:
        pass
    return result, explain(sent, using)
