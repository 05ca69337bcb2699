"""An index of each organization's invitations, newest first (``cosmo_scim_invite_page``):
the admin's list of one organization's invitations reads its page from it instead of
reading and sorting all of them. Built like 0018's — ``CREATE INDEX CONCURRENTLY`` on
PostgreSQL, so writes go on while it builds."""

import importlib

from django.db import migrations, models

AddIndexConcurrentlyWherePossible = importlib.import_module(
    "cosmo_scim.migrations.0009_tenant_indexes"
).AddIndexConcurrentlyWherePossible


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("cosmo_scim", "0019_caseless_fold"),
    ]

    operations = [
        AddIndexConcurrentlyWherePossible(
            model_name="invitation",
            index=models.Index(fields=("organization", "-id"), name="cosmo_scim_invite_page"),
        ),
    ]
