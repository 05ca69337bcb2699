"""``manage.py configure_sso SLUG oidc|saml …``: create or update an organization's SSO
connection, for operators, scripts and the product's own end-to-end tests.

::

    SSO_CLIENT_SECRET=… manage.py configure_sso SLUG oidc --issuer URL --client-id ID \\
        [--claim CLAIM] [--require] [--name N]
    manage.py configure_sso SLUG saml --metadata-url URL [--claim ATTRIBUTE] [--require] \\
        [--allow-idp-initiated] [--name N]

The secret is read from the environment, never from the command line (which other users
of the machine can read in the process list) and never printed. Running it again for the
same organization and name updates that connection to what the flags say (a flag left out
is turned off). Prints ``key=value`` lines: ``login_url``, then ``redirect_uri`` (OIDC) or
``acs_url``, ``entity_id``, ``metadata_url`` (SAML) (sso/endpoints.py).
"""

import os
from typing import Any

from django.core.management.base import CommandError, CommandParser

from ...models import SsoConnection
from ...sso import endpoints
from ...sso.forms import SsoConnectionForm
from ..organizations import OrganizationCommand

SECRET_VARIABLE = "SSO_CLIENT_SECRET"


class Command(OrganizationCommand):
    help = "Create or update an organization's SSO connection and print its URLs."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("protocol", choices=("oidc", "saml"))
        parser.add_argument("--name", default="SSO", help='The button reads "Continue with N".')
        parser.add_argument("--issuer", default="", help="OIDC: the issuer URL.")
        parser.add_argument("--client-id", default="", help="OIDC: the client id.")
        parser.add_argument("--metadata-url", default="", help="SAML: the IdP's metadata URL.")
        parser.add_argument(
            "--claim",
            default="",
            help="The claim (OIDC) or attribute (SAML) naming the person; default: the OIDC "
            "sub, the SAML NameID. Entra OIDC: oid.",
        )
        parser.add_argument("--require", action="store_true", help="Require SSO for the org.")
        parser.add_argument("--allow-idp-initiated", action="store_true", help="SAML only.")

    def handle_organization(
        self, organization: Any, *, org_slug: str, protocol: str, **options: Any
    ) -> None:
        name = options["name"].strip()
        connection = SsoConnection.objects.filter(organization=organization, name=name).first()
        if connection is not None and connection.protocol != protocol:
            raise CommandError(
                f"{organization}'s connection {name!r} is {connection.protocol}; give another "
                "--name or delete it in the admin."
            )
        form = SsoConnectionForm(
            {
                "organization": organization.pk,
                "name": name,
                "protocol": protocol,
                "enabled": True,
                "required": options["require"],
                "issuer": options["issuer"],
                "client_id": options["client_id"],
                "client_secret": os.environ.get(SECRET_VARIABLE, ""),
                "metadata_url": options["metadata_url"],
                "allow_idp_initiated": options["allow_idp_initiated"],
                "subject_claim": options["claim"],
            },
            instance=connection,
        )
        if not form.is_valid():
            problems = [
                f"{SECRET_VARIABLE}: {error}" if field == "client_secret" else f"{field}: {error}"
                for field, errors in form.errors.items()
                for error in errors
            ]
            raise CommandError("; ".join(problems))
        connection = form.save()
        self.stdout.write(f"organization={org_slug}")
        self.stdout.write(f"name={connection.name}")
        self.stdout.write(f"required={'yes' if connection.required else 'no'}")
        for key, value in endpoints.for_connection(connection):
            self.stdout.write(f"{key}={value}")
