"""Celery tasks: sending invitations, recording a send the database missed, and the
periodic sweep for any that were not sent.

Tasks take ids, never tokens or addresses, so the broker holds nothing secret; the
exactly-once guarantee lives in :mod:`cosmo_scim.provisioning.invitation_delivery`, not in Celery
(which delivers at least once with ``acks_late``).
"""

import logging
import threading
import time
from datetime import datetime

from celery import Task, shared_task
from django.db import DatabaseError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from .provisioning import invitation_delivery

logger = logging.getLogger("cosmo_scim.invitations")

# Seconds the breaker stays open after a publish failed: meanwhile invitations are not
# queued at all (no connection attempt) and the sweep sends them.
BREAKER_SECONDS = 30


@shared_task(
    name="cosmo_scim.send_invitation",
    bind=True,
    # The database was unreachable before anything was sent: try again.
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=600,
    # The budget of tries is INVITATION_SEND_ATTEMPTS, counted on the invitation across
    # task retries and sweeps; deliver() stops scheduling tries once it is spent.
    max_retries=None,
)
def send_invitation(self: Task, invitation_id: int) -> None:
    try:
        invitation_delivery.deliver(invitation_id)
    except invitation_delivery.NotRecorded as unrecorded:
        _record_later(unrecorded)
        return
    due = invitation_delivery.next_try(invitation_id)
    if due is not None and not self.request.is_eager:
        # Nothing went out (the mail server was unreachable or refused): try again when
        # the invitation's backoff says. Eager Celery would retry at once; the sweep
        # carries on there.
        raise self.retry(countdown=max(0.0, (due - timezone.now()).total_seconds()))


@shared_task(
    name="cosmo_scim.record_invitation_sent",
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=100,
)
def record_invitation_sent(invitation_id: int, started: str, sent_at: str) -> None:
    """The email went out while the database was down: record it once it is back."""
    invitation_delivery.record_sent(
        invitation_id, datetime.fromisoformat(started), datetime.fromisoformat(sent_at), pauses=()
    )


def _record_later(unrecorded: invitation_delivery.NotRecorded) -> None:
    try:
        record_invitation_sent.apply_async(
            (
                unrecorded.invitation_id,
                unrecorded.started.isoformat(),
                unrecorded.sent_at.isoformat(),
            ),
            retry=False,
        )
    except OperationalError:
        logger.error("%s, and the broker is unreachable: it will read as unconfirmed", unrecorded)


@shared_task(name="cosmo_scim.send_pending_invitations")
def send_pending_invitations() -> int:
    return invitation_delivery.send_pending(on_unrecorded=_record_later)


class _Breaker:
    """Open for BREAKER_SECONDS after a publish failed, per process: with Redis down every
    publish would otherwise try to connect again, and a SCIM request would wait for it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open_until = 0.0

    def is_open(self) -> bool:
        return time.monotonic() < self._open_until

    def trip(self) -> None:
        with self._lock:
            self._open_until = time.monotonic() + BREAKER_SECONDS

    def reset(self) -> None:
        with self._lock:
            self._open_until = 0.0


breaker = _Breaker()


def _publish(invitation_id: int) -> None:
    # The change is committed and the invitation stays pending-unsent whatever happens
    # here: the periodic sweep (or `manage.py send_pending_invitations`) sends what is
    # not queued once the broker is back.
    if breaker.is_open():
        logger.warning("Invitation %s not queued (broker unreachable moments ago)", invitation_id)
        return
    try:
        # retry=False: with the broker down, fail now rather than hold the request.
        send_invitation.apply_async((invitation_id,), retry=False)
    except OperationalError as exc:
        breaker.trip()
        logger.warning("Invitation %s not queued (broker unreachable: %s)", invitation_id, exc)


def send_invitation_on_commit(invitation_id: int) -> None:
    """Queue the email only once the change that created the invitation has committed.

    ``robust``: whatever goes wrong in queueing (or, with eager Celery, in sending) is
    logged, never turned into an error response for a change that has already committed.
    """
    transaction.on_commit(lambda: _publish(invitation_id), robust=True)
