"""Indexes that let every SCIM filter read the tenant's matching rows, not the table
(docs/performance.md, "Rows read"), and the invitation sweep read only the pending
invitations that are due, built without locking a live table.

On PostgreSQL each index is built with ``CREATE INDEX CONCURRENTLY``: writes to
``cosmo_scim_scimuser`` go on while it builds (a plain ``CREATE INDEX`` blocks every
insert, update and delete for the whole build, minutes on millions of rows). That cannot
run inside a transaction, hence ``atomic = False``; if the build fails halfway PostgreSQL
leaves an INVALID index, and running the migration again drops and rebuilds the pattern
indexes below (``IF EXISTS`` / ``IF NOT EXISTS`` do not trust an invalid one; an invalid
model index must be dropped by hand, ``DROP INDEX CONCURRENTLY <name>``). Django's
``AddIndexConcurrently`` is PostgreSQL-only (other backends' ``add_index`` takes no
``concurrently``) and its module imports psycopg, which a SQLite install may not have, so
the operation here asks PostgreSQL's schema editor for a concurrent build itself and
gives SQLite the plain ``AddIndex``.

Two indexes are PostgreSQL's alone, outside the model state: ``LIKE 'prefix%'`` needs the
``text_pattern_ops`` / ``varchar_pattern_ops`` operator classes unless the database's
collation is C, and SQLite has no operator classes (its LIKE is case-insensitive and, with
these columns, not served by an index at all):

- ``cosmo_scim_user_name_prefix`` ``(organization_id, lower(user_name) text_pattern_ops)``:
  ``userName sw`` (and the ``sw`` half of ``and``/``or``);
- ``cosmo_scim_user_ext_prefix`` ``(organization_id, external_id varchar_pattern_ops)``:
  ``externalId sw``.

And PostgreSQL's user-count trigger (migration 0005) becomes insert-only: each inserting
or deleting statement adds a ScimUserCountDelta row instead of upserting the
organization's count row, whose lock was held from the ScimUser INSERT to COMMIT and made
concurrent provisioning into one organization queue (cosmo_scim.provisioning.user_count
adds the deltas up and folds them in). The function is replaced in place; its triggers
stay. SQLite keeps its row triggers: it serialises writers anyway.
"""

import importlib

import django.db.models.deletion

from django.db import migrations, models

from cosmo_scim import conf

PATTERN_INDEXES = {
    "cosmo_scim_user_name_prefix": "(organization_id, lower((user_name)::text) text_pattern_ops)",
    "cosmo_scim_user_ext_prefix": "(organization_id, external_id varchar_pattern_ops)",
}


class AddIndexConcurrentlyWherePossible(migrations.AddIndex):
    """``CREATE INDEX CONCURRENTLY`` on PostgreSQL, a plain ``CREATE INDEX`` elsewhere."""

    def _concurrently(self, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return False
        if schema_editor.connection.in_atomic_block:
            raise RuntimeError("A concurrent index build cannot run inside a transaction")
        return True

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if not self._concurrently(schema_editor):
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.add_index(model, self.index, concurrently=True)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if not self._concurrently(schema_editor):
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.remove_index(model, self.index, concurrently=True)


def _valid(cursor, name):
    cursor.execute(
        "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE c.relname = %s",
        [name],
    )
    row = cursor.fetchone()
    return None if row is None else row[0]


COUNT_DELTAS = """
CREATE OR REPLACE FUNCTION cosmo_scim_count_users() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO {delta} ({org}, {users}, {changes})
            SELECT {org}, COUNT(*), 1 FROM new_rows GROUP BY {org};
    ELSE
        INSERT INTO {delta} ({org}, {users}, {changes})
            SELECT {org}, -COUNT(*), 1 FROM old_rows GROUP BY {org};
    END IF;
    RETURN NULL;
END $$;
"""


def _count_names(apps, connection):
    names = importlib.import_module("cosmo_scim.migrations.0005_user_count")._names(
        apps, connection
    )
    delta = apps.get_model("cosmo_scim", "ScimUserCountDelta")._meta.db_table
    return {**names, "delta": connection.ops.quote_name(delta)}


def count_with_deltas(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        names = _count_names(apps, schema_editor.connection)
        schema_editor.execute(COUNT_DELTAS.format(**names))


def count_in_place(apps, schema_editor):
    """Back to 0005's function, with the unfolded deltas folded in first."""
    if schema_editor.connection.vendor != "postgresql":
        return
    user_count = importlib.import_module("cosmo_scim.migrations.0005_user_count")
    names = _count_names(apps, schema_editor.connection)
    function = user_count.POSTGRESQL.split("CREATE TRIGGER")[0]
    schema_editor.execute(function.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION").format(**names))
    schema_editor.execute(
        """INSERT INTO {count} AS c ({org}, {users}, {changes})
            SELECT {org}, SUM({users}), SUM({changes}) FROM {delta} GROUP BY {org}
        ON CONFLICT ({org}) DO UPDATE
            SET {users} = c.{users} + EXCLUDED.{users}, {changes} = c.{changes} + EXCLUDED.{changes}
        """.format(**names)
    )


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
        ("cosmo_scim", "0011_key_help_names_no_plan"),
        migrations.swappable_dependency(conf.get("ORGANIZATION_MODEL")),
    ]

    operations = [
        migrations.CreateModel(
            name="ScimUserCountDelta",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("users", models.BigIntegerField()),
                ("changes", models.BigIntegerField(default=1)),
                (
                    "organization",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=conf.get("ORGANIZATION_MODEL"),
                    ),
                ),
            ],
            options={
                "verbose_name": "SCIM user count change",
                "indexes": [
                    models.Index(
                        fields=["organization", "users", "changes"],
                        name="cosmo_scim_count_delta_org",
                    )
                ],
            },
        ),
        migrations.RunPython(count_with_deltas, count_in_place),
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
