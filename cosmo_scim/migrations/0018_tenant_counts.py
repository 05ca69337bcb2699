"""Indexes that let the provisioning overview and the orphaned access report read one
organization's index entries instead of a table: its members with their membership,
consent and IdP key (``cosmo_scim_user_members``), its invitations by state
(``cosmo_scim_invite_state``), its audit events in the trail's order, id included
(``cosmo_scim_audit_page``, which replaces ``cosmo_scim_audit_org``). Built like 0009's indexes — ``CREATE INDEX CONCURRENTLY`` on
PostgreSQL, so writes go on while they build."""

import importlib

from django.db import migrations, models

AddIndexConcurrentlyWherePossible = importlib.import_module(
    "cosmo_scim.migrations.0009_tenant_indexes"
).AddIndexConcurrentlyWherePossible


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("cosmo_scim", "0017_sso"),
    ]

    operations = [
        AddIndexConcurrentlyWherePossible(
            model_name="scimuser",
            index=models.Index(
                fields=("organization", "membership", "consent_pending", "idp_key"),
                name="cosmo_scim_user_members",
            ),
        ),
        AddIndexConcurrentlyWherePossible(
            model_name="invitation",
            index=models.Index(fields=("organization", "status"), name="cosmo_scim_invite_state"),
        ),
        AddIndexConcurrentlyWherePossible(
            model_name="auditevent",
            index=models.Index(
                fields=("organization", "-created_at", "-id"), name="cosmo_scim_audit_page"
            ),
        ),
        migrations.RemoveIndex(model_name="auditevent", name="cosmo_scim_audit_org"),
    ]
