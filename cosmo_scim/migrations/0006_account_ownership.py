"""Account ownership (AccountOwner) and consent before an attached account's membership
grants anything (ScimUser.consent_pending); see cosmo_scim.provisioning.lifecycle.

SQLite cannot add a NOT NULL column in place: Django rebuilds cosmo_scim_scimuser, which
drops the user-count triggers of migration 0005, so they are installed again here (the
counts themselves are untouched by the rebuild). PostgreSQL alters the table in place.

No AccountOwner rows are inferred for accounts that exist already: which organization made
an account was never recorded, and guessing wrong would let an IdP rewrite a login another
organization relies on. Such accounts belong to no organization, so no IdP changes them.
"""

import django.db.models.deletion
import django.utils.timezone
import importlib

from django.conf import settings
from django.db import migrations, models

from cosmo_scim import conf


def reinstall_sqlite_count_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    user_count = importlib.import_module("cosmo_scim.migrations.0005_user_count")
    names = user_count._names(apps, schema_editor.connection)
    for statement in user_count.SQLITE_DROP + user_count.SQLITE:
        schema_editor.execute(statement.format(**names))


class Migration(migrations.Migration):

    dependencies = [
        ('cosmo_scim', '0005_user_count'),
        migrations.swappable_dependency(conf.get('ORGANIZATION_MODEL')),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='scimuser',
            name='consent_pending',
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(reinstall_sqlite_count_triggers, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(choices=[('provisioned', 'Provisioned'), ('updated', 'Updated'), ('deactivated', 'Deactivated'), ('reactivated', 'Reactivated'), ('removed', 'Removed'), ('accepted', 'Invitation accepted'), ('group_created', 'Group created'), ('group_updated', 'Group updated'), ('group_members_changed', 'Group members changed'), ('group_deleted', 'Group deleted')], max_length=32),
        ),
        migrations.CreateModel(
            name='AccountOwner',
            fields=[
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to=settings.AUTH_USER_MODEL)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=conf.get('ORGANIZATION_MODEL'))),
            ],
            options={
                'verbose_name': 'account owner',
            },
        ),
    ]
