"""``manage.py create_organization SLUG --name NAME --plan {free,team,enterprise}``.

Creates the organization, or updates the name and plan of an existing one with that slug,
so provisioning scripts can run it repeatedly.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_slug

from cosmo_project.organizations.models import Organization


class Command(BaseCommand):
    help = "Create (or update) an organization."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument(
            "--plan", choices=Organization.Plan.values, default=Organization.Plan.FREE
        )

    def handle(self, *args, slug, name, plan, **options):
        try:
            validate_slug(slug)
        except ValidationError:
            raise CommandError(f"{slug!r} is not a valid slug (letters, digits, -, _).") from None
        organization, created = Organization.objects.update_or_create(
            slug=slug, defaults={"name": name, "plan": plan}
        )
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} organization {organization.slug!r} ({name}, plan {plan}).")
