
import cosmo_scim.models.domains
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

from cosmo_scim import conf


class Migration(migrations.Migration):

    dependencies = [
        ('cosmo_scim', '0008_invitation_delivery_steps'),
        migrations.swappable_dependency(conf.get('ORGANIZATION_MODEL')),
    ]

    operations = [
        migrations.CreateModel(
            name='VerifiedDomain',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('domain', models.CharField(max_length=253)),
                ('token', models.CharField(default=cosmo_scim.models.domains.new_verification_token, editable=False, max_length=64)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('verified_at', models.DateTimeField(blank=True, editable=False, null=True)),
                ('revoked_at', models.DateTimeField(blank=True, editable=False, null=True)),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='scim_domains', to=conf.get('ORGANIZATION_MODEL'))),
            ],
            options={
                'verbose_name': 'verified domain',
                'constraints': [models.UniqueConstraint(fields=('organization', 'domain'), name='cosmo_scim_domain_per_org'), models.UniqueConstraint(condition=models.Q(('revoked_at__isnull', True), ('verified_at__isnull', False)), fields=('domain',), name='cosmo_scim_domain_verified_once')],
            },
        ),
    ]
