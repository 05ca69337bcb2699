"""Sending an invitation email exactly once, through mail server, database and worker outages.

Every sender takes the same steps, and records each on the invitation before it takes the
next, so whoever looks later — the sweep, an admin — knows what can have happened:

1. **Claim.** One conditional UPDATE (pending, unsent, due, not held by a live sender)
   draws a fresh token and records the claim; it commits before SMTP is contacted. Only
   the sender whose UPDATE matched goes on: a duplicate task message, a second worker or
   the sweep stand down.
2. **Connect** to the mail server (connection, EHLO, TLS, login). Nothing of the message
   has left, so any failure here — a refused connection, a timeout, a rejected login —
   proves it was not sent: the claim is released and the invitation stays *pending*, to
   be tried again after a backoff that doubles up to an hour (``retry_delay``), by the
   task and by the sweep, for INVITATION_SEND_ATTEMPTS tries (about six hours).
3. **Start.** A conditional UPDATE records ``transmit_started_at`` while this sender's
   claim still stands (its token hash). A sender whose claim was taken over stands down
   here, before a byte of the message is sent.
4. **Transmit.** If the server *answers* with a refusal (sender, recipients or message
   rejected) it accepted nothing: as in step 2. Any other failure (the connection
   dropped, no final reply) means it may have accepted the message: the invitation becomes
   *unconfirmed* and is never sent again automatically — an admin decides.
5. **Record** ``sent_at``. The email is out; what is left is a database write, and it is
   the write that is retried, never the send: here for half a minute, then by the task
   ``cosmo_scim.record_invitation_sent`` (:class:`NotRecorded`).

The sweep (:func:`send_pending`) takes over a claim that never reached step 3 within
INVITATION_START_TIMEOUT — its sender was killed or lost the database, and provably sent
nothing — and marks *unconfirmed* one that reached step 3 but not step 5 within
INVITATION_CLAIM_TIMEOUT.
"""

import logging
import secrets
import smtplib
import socket
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import DatabaseError, connection
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from .. import conf
from ..host_fields import membership_path
from ..models import Invitation
from .invitations import hash_token, message_for

logger = logging.getLogger("cosmo_scim.invitations")

Status = Invitation.Status

# Answers of a mail server that refused the message: it accepted nothing (RFC 5321 §4.2).
# A refused or unresolvable connection (a backend that connects lazily) proves the same.
REFUSALS = (
    smtplib.SMTPSenderRefused,
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPDataError,
    smtplib.SMTPHeloError,
    smtplib.SMTPNotSupportedError,
    ConnectionRefusedError,
    socket.gaierror,
)

# Pauses between tries at recording a send: about half a minute, longer than a PostgreSQL
# restart or a failover usually takes.
RECORD_PAUSES = (0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15)

UNCONFIRMED_AFTER_CRASH = (
    "The sender stopped while handing the email to the mail server; it may have gone out. "
    "Ask the person before resending."
)


class NotRecorded(Exception):
    """The email went out but the database could not be told: record it later (never send
    it again). ``started`` identifies this sender's transmission."""

    def __init__(self, invitation_id: int, started: datetime, sent_at: datetime) -> None:
        super().__init__(f"Invitation {invitation_id} was sent but could not be recorded")
        self.invitation_id, self.started, self.sent_at = invitation_id, started, sent_at


def retry_delay(attempts: int) -> int:
    """Seconds to wait after the ``attempts``-th try that provably sent nothing."""
    return min(3600, conf.get("INVITATION_RETRY_DELAY") * 2 ** max(0, attempts - 1))


def _claimable(now: datetime) -> Q:
    """Pending, unsent and due, and either unclaimed or claimed by a sender that did not
    start transmitting within INVITATION_START_TIMEOUT (so sent nothing)."""
    abandoned = now - timedelta(seconds=conf.get("INVITATION_START_TIMEOUT"))
    return (
        Q(status=Status.PENDING, sent_at=None)
        & (Q(claimed_at=None) | Q(transmit_started_at=None, claimed_at__lt=abandoned))
        & (Q(next_attempt_at=None) | Q(next_attempt_at__lte=now))
    )


# What one call of _attempt did.
SENT, STOOD_DOWN, UNREACHABLE, NOT_SENT, UNCONFIRMED = (
    "sent",
    "stood down",
    "unreachable",
    "not sent",
    "unconfirmed",
)


def deliver(invitation_id: int) -> bool:
    """Send one invitation unless someone else has (or is). True when this call sent it.

    Never raises for a mail server problem: the outcome is recorded on the invitation
    (pending with ``next_attempt_at``, failed, unconfirmed). Raises DatabaseError when the
    database is down before anything was sent, and :class:`NotRecorded` when it stayed
    down after the email went out. Must run outside a transaction: each step has to be
    visible to other senders before the next.
    """
    return _attempt(invitation_id) == SENT


def _attempt(invitation_id: int) -> str:
    token = secrets.token_urlsafe(32)
    token_hash = hash_token(token)
    now = timezone.now()
    claimed = Invitation.objects.filter(_claimable(now), pk=invitation_id).update(
        claimed_at=now,
        transmit_started_at=None,
        next_attempt_at=None,
        token_hash=token_hash,
        expires_at=now + timedelta(days=conf.get("INVITATION_EXPIRY_DAYS")),
        send_attempts=F("send_attempts") + 1,
    )
    if not claimed:
        return STOOD_DOWN
    invitation = Invitation.objects.select_related("organization", membership_path("person")).get(
        pk=invitation_id
    )
    if invitation.token_hash != token_hash:
        return STOOD_DOWN  # taken over already
    message = message_for(invitation, token)
    mail_server = get_connection()
    try:
        mail_server.open()
    except OSError as exc:  # smtplib.SMTPException is an OSError, like refused connections
        _not_sent(invitation, exc)
        return UNREACHABLE
    try:
        started = timezone.now()
        if not Invitation.objects.filter(
            pk=invitation_id,
            token_hash=token_hash,
            status=Status.PENDING,
            transmit_started_at=None,
            sent_at=None,
        ).update(transmit_started_at=started):
            return STOOD_DOWN  # taken over (the new claimant sends it), or revoked meanwhile
        try:
            mail_server.send_messages([message])
        except REFUSALS as exc:
            _not_sent(invitation, exc)
            return NOT_SENT
        except Exception as exc:
            _unconfirmed(invitation, started, exc)
            return UNCONFIRMED
    finally:
        _close_quietly(mail_server)
    record_sent(invitation_id, started, timezone.now())
    return SENT


def _close_quietly(mail_server: BaseEmailBackend) -> None:
    try:
        mail_server.close()
    except Exception:  # the outcome is known; a failing QUIT changes nothing
        logger.debug("Closing the mail server connection failed", exc_info=True)


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def _not_sent(invitation: Invitation, exc: BaseException) -> None:
    """The server accepted nothing: release the claim, try again later or give up."""
    attempts = invitation.send_attempts
    last_try = attempts >= conf.get("INVITATION_SEND_ATTEMPTS")
    error = _error_text(exc)
    released = Invitation.objects.filter(pk=invitation.pk, token_hash=invitation.token_hash).update(
        claimed_at=None,
        transmit_started_at=None,
        status=Status.FAILED if last_try else Status.PENDING,
        next_attempt_at=None
        if last_try
        else timezone.now() + timedelta(seconds=retry_delay(attempts)),
        last_error=f"Not sent after {attempts} tries: {error}" if last_try else error,
    )
    if released:  # else another sender took the claim over meanwhile
        logger.warning("Invitation %s not sent (try %s): %s", invitation.pk, attempts, error)


def _unconfirmed(invitation: Invitation, started: datetime, exc: BaseException) -> None:
    error = _error_text(exc)
    Invitation.objects.filter(pk=invitation.pk, transmit_started_at=started).update(
        status=Status.UNCONFIRMED,
        last_error=f"The mail server failed while receiving the email; it may have gone out. "
        f"Ask the person before resending. ({error})",
    )
    logger.error("Invitation %s may not have gone out: %s", invitation.pk, error)


def record_sent(
    invitation_id: int,
    started: datetime,
    sent_at: datetime,
    pauses: Iterable[float] = RECORD_PAUSES,
) -> None:
    """Record that the transmission ``started`` went out, retrying the write (never the
    send) while the database is unreachable; :class:`NotRecorded` if it stays so.

    It also corrects an *unconfirmed* verdict the sweep reached meanwhile: this is the
    truth (a revocation meanwhile stands). The transmission's start time identifies it, so
    a resend is never marked.
    """
    for pause in (*pauses, None):
        try:
            Invitation.objects.filter(
                pk=invitation_id, transmit_started_at=started, sent_at=None
            ).update(
                sent_at=sent_at,
                last_error="",
                status=Case(
                    When(status=Status.UNCONFIRMED, then=Value(Status.PENDING)),
                    default=F("status"),
                ),
            )
            return
        except DatabaseError as exc:
            logger.warning("Invitation %s sent, not yet recorded: %s", invitation_id, exc)
            if pause is None:
                raise NotRecorded(invitation_id, started, sent_at) from exc
            if not connection.in_atomic_block:
                connection.close()  # reconnect on the next try
            time.sleep(pause)


def next_try(invitation_id: int) -> datetime | None:
    """When a pending invitation that provably did not go out is due again, else None."""
    return (
        Invitation.objects.filter(pk=invitation_id, status=Status.PENDING, sent_at=None)
        .values_list("next_attempt_at", flat=True)
        .first()
    )


def send_pending(on_unrecorded: Callable[[NotRecorded], object] | None = None) -> int:
    """The sweep: mark abandoned transmissions unconfirmed, expire old links, then send
    every due pending invitation that has not gone out — never queued (the broker was
    down), waiting out a backoff, or claimed by a sender that died before transmitting —
    until the mail server turns out to be unreachable. Returns how many emails this call
    sent."""
    now = timezone.now()
    Invitation.objects.filter(
        status=Status.PENDING,
        sent_at=None,
        transmit_started_at__lt=now - timedelta(seconds=conf.get("INVITATION_CLAIM_TIMEOUT")),
    ).update(status=Status.UNCONFIRMED, last_error=UNCONFIRMED_AFTER_CRASH)
    Invitation.objects.filter(status=Status.PENDING, expires_at__lt=now).update(
        status=Status.EXPIRED
    )
    due = Invitation.objects.filter(_claimable(now)).order_by("pk").values_list("pk", flat=True)
    sent = 0
    for invitation_id in list(due):
        try:
            outcome = _attempt(invitation_id)
        except NotRecorded as unrecorded:
            sent += 1
            if on_unrecorded is None:
                logger.error("%s; it will read as unconfirmed", unrecorded)
            else:
                on_unrecorded(unrecorded)
            continue
        sent += outcome == SENT
        if outcome == UNREACHABLE:
            # The mail server cannot be reached: the others would wait for it in turn (up
            # to EMAIL_TIMEOUT each). The next sweep tries again.
            break
    return sent


def state(invitation: Invitation) -> str:
    """What an admin is told of an invitation's delivery: one sentence, from its fields,
    followed by the mail server's last error where one explains it."""
    sentence, error = state_and_error(invitation)
    return f"{sentence} {error}" if error else sentence


def state_and_error(invitation: Invitation) -> tuple[str, str]:
    """:func:`state`'s sentence and the error it cites ("" for none), apart: a list shows
    the error on a line of its own."""
    if invitation.status == Status.UNCONFIRMED:
        return "May not have gone out; ask before resending.", invitation.last_error
    if invitation.status == Status.FAILED:
        return "Never sent; resend to try again.", invitation.last_error
    if invitation.status != Status.PENDING:
        return invitation.get_status_display(), ""
    if invitation.sent_at:
        return f"Sent {_when(invitation.sent_at)}", ""
    if invitation.transmit_started_at:
        return f"Handing over to the mail server since {_when(invitation.transmit_started_at)}", ""
    if invitation.claimed_at:
        return f"Being sent (try {invitation.send_attempts})", ""
    if invitation.next_attempt_at:
        return (
            f"Not sent yet, nothing went out; next try {_when(invitation.next_attempt_at)}.",
            invitation.last_error,
        )
    return "Waiting to be sent", ""


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")  # the admin's one format
