# One account per address by cosmo_scim's address key (cosmo_scim/addresses.py) instead of
# LOWER(email): the key is what the login and the account lookup compare, on SQLite and on
# PostgreSQL whatever its collation. Two addresses with the same key have the same LOWER, so
# data that met the old constraint meets the new one.

import cosmo_scim.addresses
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                cosmo_scim.addresses.AddressKey("email"), name="accounts_user_email_key_unique"
            ),
        ),
        migrations.RemoveConstraint(
            model_name="user",
            name="accounts_user_email_ci_unique",
        ),
        migrations.AlterField(
            model_name="user",
            name="email",
            field=models.EmailField(
                max_length=254,
                unique=True,
                validators=[cosmo_scim.addresses.validate_address],
                verbose_name="email address",
            ),
        ),
    ]
