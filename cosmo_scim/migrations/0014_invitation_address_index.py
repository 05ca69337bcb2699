"""An index on an invitation's organization and address key (cosmo_scim/addresses.py):
before each new invitation the organization's invitations to the address within 24 hours
are counted (INVITATION_ADDRESS_LIMIT, cosmo_scim/provisioning/invitations.py ``held_until``).
Built like 0009's indexes — ``CREATE INDEX CONCURRENTLY`` on PostgreSQL, so writes go on while it
builds."""

import importlib

from django.db import migrations, models

import cosmo_scim.addresses

AddIndexConcurrentlyWherePossible = importlib.import_module(
    "cosmo_scim.migrations.0009_tenant_indexes"
).AddIndexConcurrentlyWherePossible


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("cosmo_scim", "0013_email_address_key"),
    ]

    operations = [
        AddIndexConcurrentlyWherePossible(
            model_name="invitation",
            index=models.Index(
                models.F("organization"),
                cosmo_scim.addresses.AddressKey("email"),
                name="cosmo_scim_invite_address",
            ),
        ),
    ]
