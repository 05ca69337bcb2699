"""Invitations: created by the lifecycle service, sent exactly once, accepted by link.

Sending is at most once per claim. A sender first *claims* the invitation with one
conditional UPDATE (pending, unsent, unclaimed → claimed), which commits before it talks to
SMTP; only the sender whose UPDATE matched sends. So a duplicate task message, a second
worker or the sweep racing a task all find the claim and stand down. A sender that fails
with an SMTP/network error releases its claim so the next try can take it; one that dies
between sending and recording leaves the claim behind, and the sweep marks that
invitation *failed* after INVITATION_CLAIM_TIMEOUT instead of risking a second email —
an admin can see it and resend.

The accept token is drawn at claim time, so only its hash is ever stored and a resend
makes every earlier link stop working.
"""

import hashlib
import logging
import secrets
from datetime import timedelta

from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .. import conf
from ..host import host_adapter
from ..host_fields import is_active, membership_lookups, membership_path, person_of
from ..models import Invitation, ScimUser

logger = logging.getLogger("cosmo_scim.invitations")

Status = Invitation.Status


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def create(scim_user, email):
    """A pending, unsent invitation for a membership; the caller holds the transaction."""
    return Invitation.objects.create(
        organization_id=scim_user.organization_id,
        membership_id=scim_user.membership_id,
        email=email,
    )


def revoke_pending(membership):
    """Make every outstanding link of this membership stop working."""
    return Invitation.objects.filter(membership=membership, status=Status.PENDING).update(
        status=Status.REVOKED
    )


def _message(invitation, token):
    scim_user = ScimUser.objects.filter(membership_id=invitation.membership_id).first()
    context = {
        "organization": invitation.organization,
        "email": invitation.email,
        "name": _display_name(scim_user) or invitation.email,
        "accept_url": conf.public_base_url()
        + reverse("cosmo_scim_invitations:accept", args=[token]),
        "expires_at": invitation.expires_at,
        "product_name": conf.get("PRODUCT_NAME"),
    }
    subject = " ".join(render_to_string("cosmo_scim/email/invitation_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject, render_to_string("cosmo_scim/email/invitation.txt", context), to=[invitation.email]
    )
    message.attach_alternative(
        render_to_string("cosmo_scim/email/invitation.html", context), "text/html"
    )
    return message


def _display_name(scim_user):
    if scim_user is None:
        return ""
    return (
        scim_user.display_name
        or scim_user.formatted_name
        or f"{scim_user.given_name} {scim_user.family_name}".strip()
    )


def deliver(invitation_id):
    """Send one invitation unless someone else has (or is). True when this call sent it.

    Raises OSError (SMTP and network errors) while tries remain, so the caller can retry;
    on the last try the invitation is marked failed instead. Must run outside a
    transaction: the claim has to be visible to other senders before the email goes out.
    """
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    claimed = Invitation.objects.filter(
        pk=invitation_id, status=Status.PENDING, sent_at=None, claimed_at=None
    ).update(
        claimed_at=now,
        token_hash=hash_token(token),
        expires_at=now + timedelta(days=conf.get("INVITATION_EXPIRY_DAYS")),
        send_attempts=F("send_attempts") + 1,
    )
    if not claimed:
        return False
    invitation = Invitation.objects.select_related("organization", membership_path("person")).get(
        pk=invitation_id
    )
    _address_to_login(invitation)
    try:
        _message(invitation, token).send()
    except OSError as exc:  # smtplib.SMTPException is an OSError, like refused connections
        last_try = invitation.send_attempts >= conf.get("INVITATION_SEND_ATTEMPTS")
        Invitation.objects.filter(pk=invitation_id).update(
            claimed_at=None,
            status=Status.FAILED if last_try else Status.PENDING,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        logger.warning(
            "Invitation %s: sending failed (try %s): %s",
            invitation_id,
            invitation.send_attempts,
            exc,
        )
        if last_try:
            return False
        raise
    Invitation.objects.filter(pk=invitation_id).update(sent_at=timezone.now(), last_error="")
    return True


def _address_to_login(invitation):
    """Send to the account's login email as it is now. An IdP changes the login only of an
    account its organization owns (ownership.py); any other address it sets stays in its
    SCIM profile, and no invitation ever goes there."""
    if invitation.membership is None:
        return
    login = host_adapter().person_email(person_of(invitation.membership))
    if login and login != invitation.email:
        invitation.email = login
        Invitation.objects.filter(pk=invitation.pk).update(email=login)


def send_pending():
    """The sweep: send every pending invitation that has not gone out (e.g. because the
    broker was down when it was created), fail abandoned claims, expire old links.
    Returns how many emails this call sent."""
    now = timezone.now()
    Invitation.objects.filter(
        status=Status.PENDING,
        sent_at=None,
        claimed_at__lt=now - timedelta(seconds=conf.get("INVITATION_CLAIM_TIMEOUT")),
    ).update(
        status=Status.FAILED,
        last_error="The sender stopped while sending; the email may not have gone out. "
        "Resend it if the person did not receive it.",
    )
    Invitation.objects.filter(status=Status.PENDING, expires_at__lt=now).update(
        status=Status.EXPIRED
    )
    unsent = Invitation.objects.filter(status=Status.PENDING, sent_at=None, claimed_at=None)
    sent = 0
    for invitation_id in unsent.order_by("pk").values_list("pk", flat=True):
        try:
            sent += deliver(invitation_id)
        except OSError:
            continue  # recorded on the invitation; the next sweep tries again
    return sent


def _membership_wanted():
    """The invitation's membership is active, or awaits the person's consent: the IdP
    assigns them, so the link is worth sending and accepting."""
    return Q(**membership_lookups(via="membership", active=True)) | Q(
        membership__scim_user__consent_pending=True
    )


def reset_for_resend(invitation):
    """Let an admin send again a failed, expired or pending invitation of a membership the
    IdP still assigns and the person has not taken up. The old link stops working. True
    when reset."""
    return bool(
        Invitation.objects.filter(
            _membership_wanted(),
            pk=invitation.pk,
            status__in=(Status.PENDING, Status.FAILED, Status.EXPIRED),
        ).update(
            status=Status.PENDING,
            token_hash=None,
            claimed_at=None,
            sent_at=None,
            expires_at=None,
            send_attempts=0,
            last_error="",
        )
    )


# -- accepting ------------------------------------------------------------------------------

# Why a link cannot be used; the accept page words each one for the person.
USED, REVOKED, EXPIRED, INVALID = "used", "revoked", "expired", "invalid"


def find(token):
    """The invitation a link's token belongs to, looked up by hash (never by the token)."""
    return (
        Invitation.objects.select_related("organization", membership_path("person"))
        .filter(token_hash=hash_token(token))
        .first()
    )


def _awaits_consent(membership):
    """The Python side of :func:`_membership_wanted`, asked only of an inactive membership."""
    return ScimUser.objects.filter(membership_id=membership.pk, consent_pending=True).exists()


def refusal(invitation):
    """None if the invitation can be accepted now, else why not."""
    if invitation is None:
        return INVALID
    if invitation.status == Status.ACCEPTED:
        return USED
    if invitation.status == Status.REVOKED or invitation.membership is None:
        return REVOKED
    if not is_active(invitation.membership) and not _awaits_consent(invitation.membership):
        return REVOKED
    if invitation.status == Status.EXPIRED or (
        invitation.expires_at is not None and invitation.expires_at <= timezone.now()
    ):
        return EXPIRED
    if invitation.status != Status.PENDING:
        return INVALID
    return None


def lock(invitation):
    """The invitation re-read under a row lock (the caller holds the transaction)."""
    return (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organization", "membership")
        .get(pk=invitation.pk)
    )


def mark_accepted(invitation, now):
    """Record the link as used (``lifecycle.accept_invitation`` decides it may be)."""
    invitation.status = Status.ACCEPTED
    invitation.accepted_at = now
    invitation.save(update_fields=["status", "accepted_at"])
