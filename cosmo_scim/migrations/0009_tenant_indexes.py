"""Indexes that let every SCIM filter read the tenant's matching rows, not the table
(docs/performance.md, "Rows read"), and the invitation sweep read only the pending
invitations that are due, built without locking a live table.

On PostgreSQL each index is built with ``CREATE INDEX CONCURRENTLY``: writes to
``cosmo_scim_scimuser`` go on while it builds (a plain ``CREATE INDEX`` blocks every
insert, update and delete for the whole build, minutes on millions of rows). That cannot
run inside a transaction, hence ``atomic = False``; if the build fails halfway PostgreSQL
leaves an INVALID index, and running the migration again drops and rebuilds it (``IF
EXISTS`` / ``IF NOT EXISTS`` below do not trust an invalid one). Django's
``AddIndexConcurrently`` is PostgreSQL-only (other backends' ``add_index`` takes no
``concurrently``), so SQLite gets the plain ``AddIndex``.

Two indexes are PostgreSQL's alone, outside the model state: ``LIKE 'prefix%'`` needs the
``text_pattern_ops`` / ``varchar_pattern_ops`` operator classes unless the database's
collation is C, and SQLite has no operator classes (its LIKE is case-insensitive and, with
these columns, not served by an index at all):

- ``cosmo_scim_user_name_prefix`` ``(organization_id, lower(user_name) text_pattern_ops)``:
  ``userName sw`` (and the ``sw`` half of ``and``/``or``);
- ``cosmo_scim_user_ext_prefix`` ``(organization_id, external_id varchar_pattern_ops)``:
  ``externalId sw``.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

PATTERN_INDEXES = {
    "cosmo_scim_user_name_prefix": "(organization_id, lower((user_name)::text) text_pattern_ops)",
    "cosmo_scim_user_ext_prefix": "(organization_id, external_id varchar_pattern_ops)",
}


class AddIndexConcurrentlyWherePossible(AddIndexConcurrently):
    """``CREATE INDEX CONCURRENTLY`` on PostgreSQL, a plain ``CREATE INDEX`` elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_forwards(
            self, app_label, schema_editor, from_state, to_state
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_backwards(
            self, app_label, schema_editor, from_state, to_state
        )


def _valid(cursor, name):
    cursor.execute(
        "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE c.relname = %s",
        [name],
    )
    row = cursor.fetchone()
    return None if row is None else row[0]


def add_pattern_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("cosmo_scim", "ScimUser")._meta.db_table)
    with schema_editor.connection.cursor() as cursor:
        for name, columns in PATTERN_INDEXES.items():
            if _valid(cursor, name) is False:  # a build that failed halfway
                cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
            cursor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} {columns}")


def drop_pattern_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in PATTERN_INDEXES:
            cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("cosmo_scim", "0006_account_ownership"),
    ]

    operations = [
        AddIndexConcurrentlyWherePossible(
            model_name="scimuser",
            index=models.Index(
                fields=["organization", "last_modified"], name="cosmo_scim_user_modified"
            ),
        ),
        AddIndexConcurrentlyWherePossible(
            model_name="scimuser",
            index=models.Index(fields=["organization", "created"], name="cosmo_scim_user_created"),
        ),
        migrations.RunPython(add_pattern_indexes, drop_pattern_indexes),
        AddIndexConcurrentlyWherePossible(
            model_name="invitation",
            index=models.Index(
                condition=models.Q(status="pending"),
                fields=["expires_at"],
                name="cosmo_scim_invite_expiry",
            ),
        ),
    ]
