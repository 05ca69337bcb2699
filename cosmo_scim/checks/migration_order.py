"""The migration-order check (E007): cosmo_scim's migrations come after the migrations that
create the host models they refer to."""

from collections.abc import Sequence
from typing import Any

from django.core import checks
from django.db.migrations import Migration
from django.db.migrations.graph import MigrationGraph
from django.db.migrations.operations import CreateModel

from .errors import error, for_cosmo_scim
from .host_models import resolved_host_models

Node = tuple[str, str]


def _creator(graph: MigrationGraph, label: str) -> Node | None:
    """The migration node that creates the model ``label`` ("app.Model"), or None."""
    app_label, model_name = label.lower().split(".")
    for key, migration in graph.nodes.items():
        if migration is None or key[0].lower() != app_label:
            continue
        for operation in migration.operations:
            if isinstance(operation, CreateModel) and operation.name_lower == model_name:
                return key
    return None


@for_cosmo_scim
def check_migration_order(
    databases: Sequence[str] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """cosmo_scim's migrations reach the host models through ``swappable_dependency``,
    which (as for AUTH_USER_MODEL) means the first migration of the model's app. A host
    model created in a later migration would be referenced before its table exists (on
    PostgreSQL the foreign key fails, and on a fresh database ``migrate`` stops).

    Registered with ``Tags.database``, and like Django's database checks it runs only when
    Django passes ``databases`` — ``migrate``, whose order it is about, and ``check
    --database``: reading every app's migration files (a ``MigrationLoader``) is too slow
    for every ``manage.py`` command and ``runserver`` reload."""
    if not databases:
        return []
    from django.db.migrations.loader import MigrationLoader

    models, _ = resolved_host_models()
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    errors: list[checks.CheckMessage] = []
    for setting, model in models.items():
        label = model._meta.label_lower
        creator = _creator(graph, label)
        if creator is None:
            continue
        for key, migration in sorted(graph.nodes.items()):
            if key[0] != "cosmo_scim" or not _references(migration, label):
                continue
            if creator not in graph.forwards_plan(key):
                errors.append(
                    error(
                        7,
                        f"{model._meta.label} ({setting}) is created by migration "
                        f"{creator[0]}.{creator[1]}, which cosmo_scim.{key[1]} does not "
                        "come after.",
                        f"Create the model in {creator[0]}'s first migration, or add "
                        f'run_before = [("cosmo_scim", "{key[1]}")] to {creator[1]}.',
                        obj=model,
                    )
                )
                break
    return errors


def _references(migration: Migration, label: str) -> bool:
    """Does one of the migration's operations point a field at ``label``?"""
    for operation in migration.operations:
        fields = [field for _, field in getattr(operation, "fields", ())]
        field = getattr(operation, "field", None)
        if field is not None:
            fields.append(field)
        for field in fields:
            target = getattr(getattr(field, "remote_field", None), "model", None)
            if isinstance(target, str) and target.lower() == label:
                return True
    return False
