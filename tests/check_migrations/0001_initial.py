"""A host app whose team model comes in a later migration without ``run_before``: what
check cosmo_scim.E007 catches (tests/test_checks.py). Read by the migration loader only."""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    operations = [
        migrations.CreateModel("Organization", [("id", models.BigAutoField(primary_key=True))]),
        migrations.CreateModel("Membership", [("id", models.BigAutoField(primary_key=True))]),
    ]
