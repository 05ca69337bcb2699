"""The caseExact-false columns' unique constraints and indexes hold the one caseless rule
(cosmo_scim/protocol/caseless.py, the ASCII fold) instead of ``LOWER``: userName and a
group's displayName per organization, a role mapping's group name, and the ``sw`` prefix
index on userName. ``cosmo_scim_email_value_ci`` goes: the address key index
(``cosmo_scim_email_value_key``, migration 0013) is that same fold and serves
``emails.value eq`` now.

Built like 0009's indexes — ``CREATE [UNIQUE] INDEX CONCURRENTLY`` on PostgreSQL, so writes
go on while they build — each new index is complete before the one it replaces is dropped
(``DROP INDEX CONCURRENTLY``), so no moment is without the uniqueness rule. On SQLite the
fold is the ``LOWER`` the old indexes held; they are rebuilt under their new names.

The stored rows stay valid: two values the fold makes equal differ only by ASCII letters
in another case, and ``LOWER`` made them equal too, so its unique index already kept
them apart. (Not under a Turkish or Azeri collation, whose ``LOWER`` turns ``I`` into
``ı``: there ``Ivan`` and ``ivan`` could both be stored, and the unique build fails naming
the duplicated key; rename one, then migrate again — a build that failed halfway leaves an
invalid index, which the next run drops and builds again, keeping those built before it.)
Values ``LOWER`` made equal and the fold does not (``Équipe`` and ``équipe``) may now both
be stored; then migrating back fails the same way.
"""

import importlib
import string

from django.db import migrations, models

from cosmo_scim.protocol.caseless import Folded

tenant_indexes = importlib.import_module("cosmo_scim.migrations.0009_tenant_indexes")

# The userName prefix index (0009's, PostgreSQL only: operator classes), as the fold.
FOLD_PREFIX = (
    "cosmo_scim_user_name_fold_prefix",
    "(organization_id, translate((user_name)::text, "
    f"'{string.ascii_uppercase}'::text, '{string.ascii_lowercase}'::text) text_pattern_ops)",
)
LOWER_PREFIX = (
    "cosmo_scim_user_name_prefix",
    tenant_indexes.PATTERN_INDEXES["cosmo_scim_user_name_prefix"],
)


def _concurrently(schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return False
    if schema_editor.connection.in_atomic_block:
        raise RuntimeError("A concurrent index build cannot run inside a transaction")
    return True


def _build(schema_editor, name, sql):
    """Run ``sql``, a ``CREATE ... INDEX CONCURRENTLY`` of index ``name``, unless a run that
    stopped later built it already; what a build that failed halfway left is dropped
    first."""
    with schema_editor.connection.cursor() as cursor:
        valid = tenant_indexes._valid(cursor, name)
    if valid:
        return
    if valid is False:
        _drop(schema_editor, name)
    schema_editor.execute(sql)


def _drop(schema_editor, name):
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {schema_editor.quote_name(name)}")


def _build_unique(schema_editor, model, constraint):
    """A unique constraint on expressions is a unique index on PostgreSQL: built
    concurrently."""
    sql = str(constraint.create_sql(model, schema_editor))
    plain = "CREATE UNIQUE INDEX "
    if not sql.startswith(plain):
        raise RuntimeError(f"Not a unique index, cannot be built concurrently: {sql}")
    _build(schema_editor, constraint.name, "CREATE UNIQUE INDEX CONCURRENTLY " + sql[len(plain) :])


class _ConcurrentlyOnPostgreSQL:
    """An operation that on PostgreSQL builds or drops its index itself, concurrently
    (``forwards``, ``backwards``: given the model and its state holding the index), and is
    Django's own elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if not _concurrently(schema_editor):
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        self._run(self.forwards, app_label, schema_editor, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if not _concurrently(schema_editor):
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        # Backwards, to_state is the state before the operation.
        self._run(self.backwards, app_label, schema_editor, to_state)

    def _run(self, step, app_label, schema_editor, state):
        model = state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            step(schema_editor, model, state.models[app_label, self.model_name_lower])


class AddConstraintConcurrentlyWherePossible(_ConcurrentlyOnPostgreSQL, migrations.AddConstraint):
    def forwards(self, schema_editor, model, model_state):
        _build_unique(schema_editor, model, self.constraint)

    def backwards(self, schema_editor, model, model_state):
        _drop(schema_editor, self.constraint.name)


class RemoveConstraintConcurrentlyWherePossible(
    _ConcurrentlyOnPostgreSQL, migrations.RemoveConstraint
):
    def forwards(self, schema_editor, model, model_state):
        _drop(schema_editor, self.name)

    def backwards(self, schema_editor, model, model_state):
        _build_unique(schema_editor, model, model_state.get_constraint_by_name(self.name))


class RemoveIndexConcurrentlyWherePossible(_ConcurrentlyOnPostgreSQL, migrations.RemoveIndex):
    def forwards(self, schema_editor, model, model_state):
        _drop(schema_editor, self.name)

    def backwards(self, schema_editor, model, model_state):
        index = model_state.get_index_by_name(self.name)
        schema_editor.add_index(model, index, concurrently=True)


def _replace_prefix_index(new, old):
    def replace(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = schema_editor.quote_name(apps.get_model("cosmo_scim", "ScimUser")._meta.db_table)
        name, columns = new
        _build(schema_editor, name, f"CREATE INDEX CONCURRENTLY {name} ON {table} {columns}")
        _drop(schema_editor, old[0])

    return replace


def _fold_unique(model_name, name, replaces, *expressions):
    """The unique constraint ``replaces`` (on ``LOWER``) as ``name``, on the fold."""
    constraint = models.UniqueConstraint(*expressions, name=name)
    return [
        AddConstraintConcurrentlyWherePossible(model_name=model_name, constraint=constraint),
        RemoveConstraintConcurrentlyWherePossible(model_name=model_name, name=replaces),
    ]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("cosmo_scim", "0018_tenant_counts"),
    ]

    operations = [
        *_fold_unique(
            "scimuser",
            "cosmo_scim_user_name_fold",
            "cosmo_scim_user_name_ci",
            models.F("organization"),
            Folded("user_name"),
        ),
        *_fold_unique(
            "scimgroup",
            "cosmo_scim_group_name_fold",
            "cosmo_scim_group_name_ci",
            models.F("organization"),
            Folded("display_name"),
        ),
        *_fold_unique(
            "rolemapping",
            "cosmo_scim_role_mapping_fold",
            "cosmo_scim_role_mapping_unique",
            models.F("organization"),
            models.F("match"),
            Folded("value"),
        ),
        RemoveIndexConcurrentlyWherePossible(
            model_name="scimuseremail", name="cosmo_scim_email_value_ci"
        ),
        migrations.RunPython(
            _replace_prefix_index(FOLD_PREFIX, LOWER_PREFIX),
            _replace_prefix_index(LOWER_PREFIX, FOLD_PREFIX),
        ),
    ]
