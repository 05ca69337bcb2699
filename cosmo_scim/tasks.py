"""Celery tasks: sending invitations, and the periodic sweep for any that were not sent.

Tasks take ids, never tokens or addresses, so the broker holds nothing secret; the
exactly-once guarantee lives in :func:`cosmo_scim.invitations.deliver`, not in Celery
(which delivers at least once with ``acks_late``).
"""

import logging

from celery import shared_task
from django.db import transaction
from kombu.exceptions import OperationalError

from . import invitations

logger = logging.getLogger("cosmo_scim.invitations")


@shared_task(
    name="cosmo_scim.send_invitation",
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    # The attempt budget is INVITATION_SEND_ATTEMPTS, counted on the invitation across task
    # retries and sweeps; deliver() stops raising once it is spent, which ends the retries.
    max_retries=None,
)
def send_invitation(invitation_id):
    invitations.deliver(invitation_id)


@shared_task(name="cosmo_scim.send_pending_invitations")
def send_pending_invitations():
    return invitations.send_pending()


def _publish(invitation_id):
    try:
        # retry=False: with the broker down, fail now rather than hold the request.
        send_invitation.apply_async((invitation_id,), retry=False)
    except OperationalError as exc:
        # The change is committed and the invitation stays pending-unsent: the periodic
        # sweep (or `manage.py send_pending_invitations`) sends it once the broker is back.
        logger.warning("Invitation %s not queued (broker unreachable: %s)", invitation_id, exc)


def send_invitation_on_commit(invitation_id):
    """Queue the email only once the change that created the invitation has committed.

    ``robust``: whatever goes wrong in queueing (or, with eager Celery, in sending) is
    logged, never turned into an error response for a change that has already committed.
    """
    transaction.on_commit(lambda: _publish(invitation_id), robust=True)
