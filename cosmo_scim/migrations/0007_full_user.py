"""The rest of the RFC 7643 User on ScimUser: name.middleName and the honorifics,
nickName, profileUrl, userType, timezone, the enterprise costCenter, organization and
division (strings), and phoneNumbers, ims, photos and addresses (JSON arrays; jsonb on
PostgreSQL). See cosmo_scim.scim.user_attributes for the attribute table and its limits.

On PostgreSQL each column is added in place: a column with a constant default is a catalog
change, not a table rewrite. SQLite rebuilds cosmo_scim_scimuser for each, which drops the
user-count triggers of migration 0005, so they are installed again at the end (as 0006
does).
"""

import importlib

from django.db import migrations, models


def reinstall_sqlite_count_triggers(apps, schema_editor):
    migration = importlib.import_module("cosmo_scim.migrations.0006_account_ownership")
    migration.reinstall_sqlite_count_triggers(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('cosmo_scim', '0006_account_ownership'),
    ]

    operations = [
        migrations.AddField(
            model_name='scimuser',
            name='addresses',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name='scimuser',
            name='cost_center',
            field=models.CharField(blank=True, default='', max_length=255),
        ),
        migrations.AddField(
            model_name='scimuser',
            name='division',
            field=models.CharField(blank=True, default='', max_length=255),
        ),
        migrations.AddField(
            model_name='scimuser',
            name='honorific_prefix',
            field=models.CharField(blank=True, default='', max_length=64),
        ),
        migrations.AddField(
            model_name='scimuser',
            name='honorific_suffix',
            field=models.CharField(blank=True, default='', max_length=64),
        ),
        migrations.AddField(
            model_name='scimuser',
            name='ims',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name='scimuser',
            name='middle_name',
            field=models.CharField(blank=True, default='', max_length=255),
        ),
        migrations.AddField(
            model_name='scimuser',
            name='nick_name',
            field=models.CharField(blank=True, default='', max_length=255),
        ),
        migrations.AddField(
            model_name='scimuser',
            name='organization_name',
            field=models.CharField(blank=True, default='', max_length=255),
        ),
        migrations.AddField(
            model_name='scimuser',
            name='phone_numbers',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name='scimuser',
            name='photos',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name='scimuser',
            name='profile_url',
            field=models.CharField(blank=True, default='', max_length=2048),
        ),
        migrations.AddField(
            model_name='scimuser',
            name='time_zone',
            field=models.CharField(blank=True, default='', max_length=64),
        ),
        migrations.AddField(
            model_name='scimuser',
            name='user_type',
            field=models.CharField(blank=True, default='', max_length=64),
        ),
        migrations.RunPython(reinstall_sqlite_count_triggers, migrations.RunPython.noop),
    ]
