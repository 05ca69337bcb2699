"""``manage.py seed_demo``: an Enterprise organization, its admin and a SCIM key to try.

For the README's demo command. The admin is what a customer's admin is: an org admin (the
admin role in an active membership) with no staff flag, who signs in to /admin/ and sees
only Acme's keys, invitations and audit trail (``createsuperuser`` makes an operator who
sees every organization). Re-running is safe: it reuses the organization and admin and
rotates the demo key (keys are shown only once, so a re-run is how to see one again): the
printed key is the one live "Demo IdP" key, and the previous one stops working.

The links it prints follow ``PUBLIC_BASE_URL`` (``make demo PORT=9101`` sets it), the same
base invitation emails use.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from cosmo_project.organizations.models import Membership, Organization
from cosmo_scim.addresses import with_address
from cosmo_scim.models import APIKey

DEMO_SLUG = "acme"
DEMO_ADMIN_EMAIL = "admin@acme.example"
DEMO_ADMIN_PASSWORD = "cosmo-demo-admin"
DEMO_KEY_NAME = "Demo IdP"


class Command(BaseCommand):
    help = "Seed a demo Enterprise organization with an admin and a SCIM API key."

    def handle(self, *args, **options):
        call_command("create_organization", DEMO_SLUG, name="Acme Inc.", plan="enterprise")
        organization = Organization.objects.get(slug=DEMO_SLUG)
        user_model = get_user_model()
        admin = with_address(user_model.objects.all(), "email", DEMO_ADMIN_EMAIL).first()
        if admin is None:
            admin = user_model.objects.create_user(
                DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, first_name="Ada", last_name="Admin"
            )
        Membership.objects.update_or_create(
            user=admin,
            organization=organization,
            defaults={"role": Membership.Role.ADMIN, "is_active": True},
        )
        key = self.demo_key(organization, admin)
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

    def demo_key(self, organization, admin):
        """Rotate the live demo key, or create the first one; the plaintext of the key now
        live. Rotation keeps the key's link to the members it provisioned (orphaned access,
        docs/security.md); any other live "Demo IdP" key (earlier versions of this command
        made one per run) is revoked, in the same transaction."""
        demo_keys = APIKey.objects.filter(organization=organization, name=DEMO_KEY_NAME)
        with transaction.atomic():
            live = demo_keys.filter(revoked=False).order_by("-created")
            current = next((api_key for api_key in live if api_key.refusal() is None), None)
            if current is not None:
                new, key = APIKey.objects.rotate(current, by=admin)
            else:
                new, key = APIKey.objects.create_key(
                    organization=organization, name=DEMO_KEY_NAME, scim=True, created_by=admin
                )
            demo_keys.filter(revoked=False).exclude(pk=new.pk).update(revoked=True)
        return key
