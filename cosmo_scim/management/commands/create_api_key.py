"""``manage.py create_api_key ORG_SLUG --name NAME [--scim] [--expires-in-days N]``.

Contract relied on by tooling: the plaintext key is the last line of stdout and appears
nowhere else; every other line is non-secret.
"""

from datetime import timedelta
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from ...host import host_adapter
from ...models import APIKey
from ..organizations import OrganizationCommand


class Command(OrganizationCommand):
    help = "Create an organization API key and print it once, as the last line of output."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--name", required=True, help="What the key is for, e.g. 'Okta'.")
        parser.add_argument("--scim", action="store_true", help="Grant the SCIM permission.")
        parser.add_argument("--expires-in-days", type=int, default=None, metavar="N")

    def handle_organization(
        self,
        organization: Any,
        *,
        name: str,
        scim: bool,
        expires_in_days: int | None,
        **options: Any,
    ) -> None:
        host = host_adapter()
        if scim and not host.scim_allowed(organization):
            raise CommandError(
                f"{host.scim_refusal(organization)} ({type(host).__name__}.scim_allowed "
                "decides which organizations may use SCIM: COSMO_SCIM['HOST_ADAPTER'].)"
            )
        if expires_in_days is not None and expires_in_days < 1:
            raise CommandError("--expires-in-days must be at least 1.")
        if not name.strip() or len(name) > 50:
            raise CommandError("--name must be 1 to 50 characters.")

        expiry = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
        api_key, key = APIKey.objects.create_key(
            organization=organization, name=name.strip(), scim=scim, expiry_date=expiry
        )
        expires = expiry.isoformat() if expiry else "never"
        self.stdout.write(
            f"Created API key {api_key.name!r} (prefix {api_key.prefix}) for {organization} "
            f"[SCIM: {'yes' if scim else 'no'}, expires: {expires}]"
        )
        self.stdout.write("Store the key now; it cannot be shown again:")
        self.stdout.write(key)
