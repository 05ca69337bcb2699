"""ScimUserCount and the triggers that keep it (see cosmo_scim.models.ScimUserCount).

The trigger SQL is written here, not imported, so this migration keeps meaning what it
meant when it ran. PostgreSQL counts per statement (a transition table, so a bulk insert
of 100,000 users is one upsert per organization); SQLite has only row triggers. On other
databases no trigger is installed and the count is never read (cosmo_scim.provisioning.user_count).
"""

import django.db.models.deletion
from django.db import migrations, models

from cosmo_scim import conf

POSTGRESQL = """
CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO {count} AS c ({org}, {users}, {changes})
            SELECT {org}, COUNT(*), 1 FROM new_rows GROUP BY {org}
            ON CONFLICT ({org}) DO UPDATE
            SET {users} = c.{users} + EXCLUDED.{users}, {changes} = c.{changes} + 1;
    ELSE
        UPDATE {count} AS c SET {users} = c.{users} - gone.n, {changes} = c.{changes} + 1
            FROM (SELECT {org}, COUNT(*) AS n FROM old_rows GROUP BY {org}) AS gone
            WHERE c.{org} = gone.{org};
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER {function}_insert AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE TRIGGER {function}_delete AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();
"""
POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS {function}_insert ON {table};
DROP TRIGGER IF EXISTS {function}_delete ON {table};
DROP FUNCTION IF EXISTS {function}();
"""
SQLITE = (
    """CREATE TRIGGER {function}_insert AFTER INSERT ON {table} BEGIN
    INSERT INTO {count} ({org}, {users}, {changes}) VALUES (NEW.{org}, 1, 1)
        ON CONFLICT ({org}) DO UPDATE SET {users} = {users} + 1, {changes} = {changes} + 1;
END;""",
    """CREATE TRIGGER {function}_delete AFTER DELETE ON {table} BEGIN
    UPDATE {count} SET {users} = {users} - 1, {changes} = {changes} + 1 WHERE {org} = OLD.{org};
END;""",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS {function}_insert",
    "DROP TRIGGER IF EXISTS {function}_delete",
)
INITIAL = """
INSERT INTO {count} ({org}, {users}, {changes})
    SELECT {org}, COUNT(*), 0 FROM {table} GROUP BY {org}
"""


def _names(apps, connection):
    quote = connection.ops.quote_name
    user = apps.get_model("cosmo_scim", "ScimUser")._meta
    count = apps.get_model("cosmo_scim", "ScimUserCount")._meta
    return {
        "function": "cosmo_scim_count_users",
        "table": quote(user.db_table),
        "count": quote(count.db_table),
        "org": quote(user.get_field("organization").column),
        "users": quote(count.get_field("users").column),
        "changes": quote(count.get_field("changes").column),
    }


def install(apps, schema_editor):
    connection = schema_editor.connection
    names = _names(apps, connection)
    if connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL.format(**names))
    elif connection.vendor == "sqlite":
        for trigger in SQLITE:  # SQLite runs one statement per execute()
            schema_editor.execute(trigger.format(**names))
    else:
        return
    schema_editor.execute(INITIAL.format(**names))


def uninstall(apps, schema_editor):
    connection = schema_editor.connection
    names = _names(apps, connection)
    if connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_DROP.format(**names))
    elif connection.vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement.format(**names))


class Migration(migrations.Migration):

    dependencies = [
        ("cosmo_scim", "0004_admin"),
        migrations.swappable_dependency(conf.get("ORGANIZATION_MODEL")),
    ]

    operations = [
        migrations.CreateModel(
            name="ScimUserCount",
            fields=[
                (
                    "organization",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to=conf.get("ORGANIZATION_MODEL"),
                    ),
                ),
                ("users", models.BigIntegerField(default=0)),
                ("changes", models.BigIntegerField(default=0)),
            ],
            options={
                "verbose_name": "SCIM user count",
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
