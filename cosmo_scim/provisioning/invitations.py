"""Invitations: created by the lifecycle service, sent exactly once, accepted by link.

Sending — claim, connect, start, transmit, record, and the sweep that recovers what a
dead sender left — is invitation_delivery.py's. The accept token is drawn at claim time,
so only its hash is ever stored and a resend makes every earlier link stop working. The
accept page (``cosmo_scim.invitations``) asks this module whether a link can be used, and
``acceptance.py`` takes it up.
"""

import hashlib
from datetime import datetime, timedelta

from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .. import conf
from ..addresses import with_address
from ..host import Key, Membership, host_adapter
from ..host_fields import is_active, membership_lookups, membership_path, person_of
from ..models import Invitation, ScimUser

Status = Invitation.Status


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# The budget of INVITATION_ADDRESS_LIMIT is per this window.
ADDRESS_WINDOW = timedelta(days=1)

HELD_BACK = (
    "Held back: this organization already sent {count} invitations to this address within "
    "24 hours (INVITATION_ADDRESS_LIMIT); it goes out then."
)


def create(scim_user: ScimUser, email: str) -> Invitation:
    """A pending, unsent invitation for a membership; the caller holds the transaction.

    Held back (``next_attempt_at`` set, the reason in ``last_error``) while the
    organization has spent its budget of invitations to this address
    (:func:`held_until`): the sender and the sweep send it once it is due."""
    invitation = Invitation(
        organization_id=scim_user.organization_id,
        membership_id=scim_user.membership_id,
        email=email,
    )
    due = held_until(scim_user.organization_id, email)
    if due is not None:
        invitation.next_attempt_at = due
        invitation.last_error = HELD_BACK.format(count=conf.get("INVITATION_ADDRESS_LIMIT"))
    invitation.save()
    return invitation


def held_until(organization_id: Key, email: str) -> datetime | None:
    """When the organization may send ``email`` another invitation, or None for now.

    Counted are its invitations to the address (in any case) created within the last 24
    hours that went out, may have, or still will: claimed by a sender, sent, or pending. One
    revoked before any sender took it mailed nothing and is not counted, so the budget
    follows the emails, not the deactivate and reactivate calls. Once
    ``INVITATION_ADDRESS_LIMIT`` are counted, the next is due when the oldest of them leaves
    the 24 hours."""
    limit = conf.get("INVITATION_ADDRESS_LIMIT")
    if limit is None:
        return None
    since = timezone.now() - ADDRESS_WINDOW
    counted = list(
        with_address(Invitation.objects.all(), "email", email)
        .filter(
            Q(claimed_at__isnull=False) | Q(sent_at__isnull=False) | Q(status=Status.PENDING),
            organization_id=organization_id,
            created_at__gte=since,
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )
    if len(counted) < limit:
        return None
    return counted[-1] + ADDRESS_WINDOW


def revoke_pending(membership: Membership) -> int:
    """Make every outstanding link of this membership stop working."""
    return Invitation.objects.filter(membership_id=membership.pk, status=Status.PENDING).update(
        status=Status.REVOKED
    )


def message_for(invitation: Invitation, token: str) -> EmailMultiAlternatives:
    """The invitation email with its accept link, to the person's login email as it is now."""
    _address_to_login(invitation)
    scim_user = (
        ScimUser.objects.filter(membership_id=invitation.membership_id).first()
        if invitation.membership_id is not None
        else None
    )
    context = {
        "organization": invitation.organization,
        "email": invitation.email,
        "name": _display_name(scim_user) or invitation.email,
        "accept_url": conf.public_base_url()
        + reverse("cosmo_scim_invitations:accept", args=[token]),
        "expires_at": invitation.expires_at,
        "product_name": conf.get("PRODUCT_NAME"),
        # The host's word for its tenant ("workspace"), for a subject that names no product.
        "organization_kind": conf.organization_model()._meta.verbose_name,
    }
    subject = " ".join(render_to_string("cosmo_scim/email/invitation_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject, render_to_string("cosmo_scim/email/invitation.txt", context), to=[invitation.email]
    )
    message.attach_alternative(
        render_to_string("cosmo_scim/email/invitation.html", context), "text/html"
    )
    return message


def _display_name(scim_user: ScimUser | None) -> str:
    if scim_user is None:
        return ""
    return (
        scim_user.display_name
        or scim_user.formatted_name
        or f"{scim_user.given_name} {scim_user.family_name}".strip()
    )


def _address_to_login(invitation: Invitation) -> None:
    """Send to the account's login email as it is now. An IdP changes the login only where
    ownership.py's rule lets it, under the account's lock; any other address it sets stays
    in its SCIM profile, and no invitation ever goes there. Accepting checks again that
    the link went to the login (``acceptance.accept_invitation``)."""
    if invitation.membership is None:
        return
    login = host_adapter().person_email(person_of(invitation.membership))
    if login and login != invitation.email:
        invitation.email = login
        Invitation.objects.filter(pk=invitation.pk).update(email=login)


def _membership_wanted() -> Q:
    """The invitation's membership is active, or awaits the person's consent: the IdP
    assigns them, so the link is worth sending and accepting."""
    return Q(**membership_lookups(via="membership", active=True)) | Q(
        membership__scim_user__consent_pending=True
    )


def reset_for_resend(invitation: Invitation) -> bool:
    """Let an admin send again a failed, unconfirmed, expired or pending invitation of a
    membership the IdP still assigns and the person has not taken up. The old link stops
    working. True when reset."""
    return bool(
        Invitation.objects.filter(
            _membership_wanted(),
            pk=invitation.pk,
            status__in=(Status.PENDING, Status.FAILED, Status.UNCONFIRMED, Status.EXPIRED),
        ).update(
            status=Status.PENDING,
            token_hash=None,
            claimed_at=None,
            transmit_started_at=None,
            next_attempt_at=None,
            sent_at=None,
            expires_at=None,
            send_attempts=0,
            last_error="",
        )
    )


# -- accepting ------------------------------------------------------------------------------

# Why a link cannot be used; the accept page words each one for the person.
USED, REVOKED, EXPIRED, INVALID = "used", "revoked", "expired", "invalid"


def find_by_hash(token_hash: str | None) -> Invitation | None:
    """The invitation a link's token belongs to, looked up by the token's hash (what the
    accept page keeps in the session), never by the token."""
    if not token_hash:
        return None
    return (
        Invitation.objects.select_related("organization", membership_path("person"))
        .filter(token_hash=token_hash)
        .first()
    )


def _awaits_consent(membership: Membership) -> bool:
    """The Python side of :func:`_membership_wanted`, asked only of an inactive membership."""
    return ScimUser.objects.filter(membership_id=membership.pk, consent_pending=True).exists()


def refusal(invitation: Invitation | None) -> str | None:
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


def lock(invitation: Invitation) -> Invitation:
    """The invitation re-read under a row lock (the caller holds the transaction)."""
    return (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organization", "membership")
        .get(pk=invitation.pk)
    )


def mark_accepted(invitation: Invitation, now: datetime) -> None:
    """Record the link as used (``acceptance.accept_invitation`` decides it may be)."""
    invitation.status = Status.ACCEPTED
    invitation.accepted_at = now
    invitation.save(update_fields=["status", "accepted_at"])
