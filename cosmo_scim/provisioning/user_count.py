"""An organization's number of SCIM users, as the database keeps it: its ScimUserCount row
plus the ScimUserCountDelta rows not folded into it yet (PostgreSQL's triggers add one per
inserting or deleting statement; SQLite's update the count row itself)."""

from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper

from ..host import Organization
from ..models import ScimUser, ScimUserCount, ScimUserCountDelta

# The databases for which migration 0005 installs the counting triggers.
COUNTED_VENDORS = ("postgresql", "sqlite")
# A read that finds more unfolded changes than this folds them into the count row, so a
# read adds up at most about this many rows (an import of 10,000 users folds 100 times).
FOLD_AFTER = 100

_READ = """
SELECT COALESCE(SUM(d.{users}), 0) + COALESCE((SELECT c.{users} FROM {count} c
            WHERE c.{org} = %s), 0),
       COALESCE(SUM(d.{changes}), 0) + COALESCE((SELECT c.{changes} FROM {count} c
            WHERE c.{org} = %s), 0),
       COUNT(*)
FROM {delta} d WHERE d.{org} = %s
"""
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
        cursor.execute(_sql(_READ, connection), [_db_value(organization, connection)] * 3)
        users, changes, unfolded = cursor.fetchone()
    if unfolded > FOLD_AFTER:
        fold(organization, using)
    return UserCount(int(users), int(changes))


def fold(organization: Organization, using: str | None = None) -> None:
    """Move the organization's committed deltas into its count row (the sum is unchanged)."""
    using = using or router.db_for_write(ScimUser)
    connection = connections[using]
    if connection.vendor != "postgresql":  # SQLite's triggers update the count row
        return
    with connection.cursor() as cursor:
        cursor.execute(_sql(_FOLD, connection), [_db_value(organization, connection)] * 2)
