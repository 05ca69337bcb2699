"""``manage.py send_pending_invitations``: send every invitation that has not gone out.

The same sweep the Celery beat schedule runs, in-process, so it works with the broker
down. Safe to run at any time, alongside workers: each email is claimed before sending.
"""

from typing import Any

from django.core.management.base import BaseCommand

from cosmo_scim.provisioning import invitation_delivery


class Command(BaseCommand):
    help = "Send pending invitations that were never sent (e.g. while the broker was down)."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = invitation_delivery.send_pending()
        self.stdout.write(f"Sent {sent} invitation(s).")
