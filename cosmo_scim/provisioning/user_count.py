"""An organization's number of SCIM users, as the database keeps it: its ScimUserCount row
plus the ScimUserCountDelta rows not folded into it yet (PostgreSQL's triggers add one per
inserting or deleting statement; SQLite's update the count row itself)."""

from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BigIntegerField
from django.db.models.expressions import RawSQL

from ..host import Organization
from ..models import ScimUser, ScimUserCount, ScimUserCountDelta

# The databases for which migration 0005 installs the counting triggers.
COUNTED_VENDORS = ("postgresql", "sqlite")
# A read that finds more unfolded changes than this folds them into the count row, so a
# read adds up at most about this many rows (an import of 10,000 users folds 100 times).
FOLD_AFTER = 100

# The organization's number of users (its count row and its deltas together) or changes,
# and how many deltas wait to be folded: scalar expressions, so that a first page of the
# organization's users can carry them in its own statement (:func:`count_columns`). Every
# %s is the organization's key.
_UNFOLDED = "(SELECT COUNT(*) FROM {delta} d WHERE d.{org} = %s)"


def _total(column: str) -> str:
    # Placeholders for the model's identifiers (_sql fills them); the key is a parameter.
    return f"""(COALESCE((SELECT SUM(d.{{{column}}}) FROM {{delta}} d WHERE d.{{org}} = %s), 0)
    + COALESCE((SELECT c.{{{column}}} FROM {{count}} c WHERE c.{{org}} = %s), 0))"""  # noqa: S608


_READ = f"SELECT {_total('users')}, {_total('changes')}, {_UNFOLDED}"
# The names count_columns gives its annotations.
USERS, UNFOLDED = "scim_user_count", "scim_user_count_unfolded"

# One statement: the deltas it deletes are exactly those it adds in. A concurrent fold
# waits on the rows this one deletes, then finds them gone and adds nothing; deltas of
# transactions not committed yet are not seen, and are folded by a later read.
_FOLD = """
WITH folded AS (DELETE FROM {delta} WHERE {org} = %s RETURNING {users}, {changes})
INSERT INTO {count} AS c ({org}, {users}, {changes})
    SELECT %s, COALESCE(SUM({users}), 0), COALESCE(SUM({changes}), 0) FROM folded
ON CONFLICT ({org}) DO UPDATE
    SET {users} = c.{users} + EXCLUDED.{users}, {changes} = c.{changes} + EXCLUDED.{changes}
"""


@dataclass(frozen=True)
class UserCount:
    users: int
    changes: int  # see ScimUserCount.changes


def _sql(template: str, connection: BaseDatabaseWrapper) -> str:
    quote = connection.ops.quote_name
    count = ScimUserCount._meta
    return template.format(
        count=quote(count.db_table),
        delta=quote(ScimUserCountDelta._meta.db_table),
        org=quote(count.get_field("organization").column),
        users=quote(count.get_field("users").column),
        changes=quote(count.get_field("changes").column),
    )


def _db_value(organization: Organization, connection: BaseDatabaseWrapper) -> Any:
    """The organization's key as its column stores it: hand-written SQL gets no conversion
    from the ORM, and a raw Python UUID is no SQLite parameter (the column holds its hex
    string there, and PostgreSQL's ``uuid`` type takes the value Django prepares)."""
    column = ScimUserCount._meta.get_field("organization")
    return column.get_db_prep_value(organization.pk, connection)


def user_count(organization: Organization) -> UserCount | None:
    """The organization's ScimUser rows, counted by the triggers: one query (no rows: no
    user was ever provisioned). None where no trigger counts them."""
    using = router.db_for_read(ScimUser)
    connection = connections[using]
    if connection.vendor not in COUNTED_VENDORS:
        return None
    with connection.cursor() as cursor:
        sql = _sql(_READ, connection)
        cursor.execute(sql, [_db_value(organization, connection)] * sql.count("%s"))
        users, changes, unfolded = cursor.fetchone()
    fold_if_due(organization, unfolded, using)
    return UserCount(int(users), int(changes))


def count_columns(organization: Organization) -> dict[str, RawSQL] | None:
    """Annotations that read, in a statement of the organization's users, its number of
    users (``USERS``) and of deltas waiting to be folded (``UNFOLDED``): what
    :func:`user_count` reads, without a statement of its own. Pass a row's ``UNFOLDED`` to
    :func:`fold_if_due`. None where no trigger counts them."""
    connection = connections[router.db_for_read(ScimUser)]
    if connection.vendor not in COUNTED_VENDORS:
        return None
    key = _db_value(organization, connection)

    def scalar(template: str) -> RawSQL:
        sql = _sql(template, connection)
        return RawSQL(sql, [key] * sql.count("%s"), output_field=BigIntegerField())  # noqa: S611

    return {USERS: scalar(_total("users")), UNFOLDED: scalar(_UNFOLDED)}


def fold_if_due(organization: Organization, unfolded: int, using: str | None = None) -> None:
    """Fold the organization's deltas once a read found more than FOLD_AFTER of them."""
    if unfolded > FOLD_AFTER:
        fold(organization, using)


def fold(organization: Organization, using: str | None = None) -> None:
    """Move the organization's committed deltas into its count row (the sum is unchanged)."""
    using = using or router.db_for_write(ScimUser)
    connection = connections[using]
    if connection.vendor != "postgresql":  # SQLite's triggers update the count row
        return
    with connection.cursor() as cursor:
        cursor.execute(_sql(_FOLD, connection), [_db_value(organization, connection)] * 2)
