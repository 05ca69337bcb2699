"""An index on the address key of a SCIM user's emails (cosmo_scim/addresses.py): which
member of an organization already has a login email is asked on every provisioning, with
the key the account lookup and the host's login use, and it is built like 0009's indexes —
``CREATE INDEX CONCURRENTLY`` on PostgreSQL, so writes go on while it builds."""

import importlib

import cosmo_scim.addresses
from django.db import migrations, models

AddIndexConcurrentlyWherePossible = importlib.import_module(
    "cosmo_scim.migrations.0009_tenant_indexes"
).AddIndexConcurrentlyWherePossible


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("cosmo_scim", "0012_verified_domains"),
    ]

    operations = [
        AddIndexConcurrentlyWherePossible(
            model_name="scimuseremail",
            index=models.Index(
                cosmo_scim.addresses.AddressKey("value"), name="cosmo_scim_email_value_key"
            ),
        ),
    ]
