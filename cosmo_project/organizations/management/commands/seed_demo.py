"""``manage.py seed_demo``: an Enterprise organization, its admin and a SCIM key to try.

For the README's demo command. The admin is what a customer's admin is: an org admin (the
admin role in an active membership) with no staff flag, who signs in to /admin/ and sees
only Acme's keys, invitations and audit trail (``createsuperuser`` makes an operator who
sees every organization). Re-running is safe: it reuses the organization and admin and
issues a fresh key (keys are shown only once).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from cosmo_project.organizations.models import Membership, Organization
from cosmo_scim.models import APIKey

DEMO_SLUG = "acme"
DEMO_ADMIN_EMAIL = "admin@acme.example"
DEMO_ADMIN_PASSWORD = "cosmo-demo-admin"


class Command(BaseCommand):
    help = "Seed a demo Enterprise organization with an admin and a SCIM API key."

    def handle(self, *args, **options):
        call_command("create_organization", DEMO_SLUG, name="Acme Inc.", plan="enterprise")
        organization = Organization.objects.get(slug=DEMO_SLUG)
        user_model = get_user_model()
        admin = user_model.objects.filter(email__iexact=DEMO_ADMIN_EMAIL).first()
        if admin is None:
            admin = user_model.objects.create_user(
                DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, first_name="Ada", last_name="Admin"
            )
        Membership.objects.update_or_create(
            user=admin,
            organization=organization,
            defaults={"role": Membership.Role.ADMIN, "is_active": True},
        )
        _, key = APIKey.objects.create_key(
            organization=organization, name="Demo IdP", scim=True, created_by=admin
        )
        base = settings.PUBLIC_BASE_URL
        self.stdout.write("")
        self.stdout.write(f"  Organization : {organization.name} ({base}/orgs/{DEMO_SLUG}/)")
        self.stdout.write(
            f"  Admin login  : {base}/admin/  {DEMO_ADMIN_EMAIL} / {DEMO_ADMIN_PASSWORD}"
            f"  (admin of {organization.name})"
        )
        self.stdout.write(f"  SCIM base URL: {base}/scim/v2/")
        self.stdout.write(f"  SCIM API key : {key}")
        self.stdout.write(
            f'  Try it       : curl -H "Authorization: Bearer {key}" {base}/scim/v2/Users'
        )
        self.stdout.write("")
