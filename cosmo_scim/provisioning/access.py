"""Switching a member's access on and off: deactivation leaves no access window, and a
reactivation re-invites a member who never took the membership up.

In the transaction that switches the membership off, the organization's API keys the
person created are revoked, their outstanding invitation links stop working and — when the
membership granted access and no other organization still has them active — their sessions
end, all before the SCIM response goes out (docs/lifecycle.md, "Deactivation").
"""

from django.db import transaction
from django.utils import timezone

from .. import conf, host_fields, signals
from ..host import HostAdapter, Membership, host_adapter
from ..host_fields import is_active, organization_id_of, person_of
from ..models import APIKey, AuditEvent, Invitation, ScimUser
from . import audit, invitations, ownership, sessions
from .contract import Actor, announce, lock_member

Action = AuditEvent.Action


def end_access(host: HostAdapter, membership: Membership, actor: Actor, *, granted: bool) -> None:
    """Everything through which the person could still act for this organization: its
    keys they created, its invitation links, its pages and admin (the host checks the
    membership on every request). Their sessions end too — but only when the membership
    ``granted`` access (it was active, not awaiting consent) and no other organization
    still has them active: an organization must not log out a person it never had, nor
    one who is working in another organization. Their browsers are then told, on the
    login page, which organization ended their access and whether its IdP or an admin did
    (sessions.py)."""
    person = person_of(membership)
    organization_id = organization_id_of(membership)
    session_keys = sessions.keys_of(person) if granted else []
    if session_keys and not host.person_active_elsewhere(person, organization_id):
        organization = getattr(membership, host_fields.membership_field("organization"))
        by = "idp" if actor.api_key is not None else "admin"
        sessions.end(session_keys, {"organization": str(organization), "by": by})
    APIKey.objects.revoke_created_by(organization_id, person)
    invitations.revoke_pending(membership)


def reinvite(host: HostAdapter, scim_user: ScimUser) -> Invitation | None:
    """A membership that was never taken up gets a fresh invitation on reactivation; the
    old links were revoked at deactivation (and are again here, in case). The invitation
    goes to the account's login email, never to an address only the IdP has set."""
    if scim_user.accepted_at is None:
        invitations.revoke_pending(scim_user.membership)
        return invitations.create(scim_user, host.person_email(person_of(scim_user.membership)))
    return None


def set_active(
    host: HostAdapter, scim_user: ScimUser, active: bool, actor: Actor, reason: str = ""
) -> None:
    """Switch the membership on or off and announce it. Callers hold the row lock.

    A membership never taken up whose account this organization did not create is not
    switched on: it awaits the person's consent again (``consent_pending``)."""
    membership = scim_user.membership
    granted = is_active(membership)
    consent = (
        active
        and scim_user.accepted_at is None
        and ownership.needs_consent(person_of(membership), scim_user.organization)
    )
    if granted != (active and not consent):
        host.set_membership_active(membership, active and not consent)
    scim_user.consent_pending = consent
    scim_user.last_modified = timezone.now()
    scim_user.version += 1
    scim_user.save(update_fields=["last_modified", "version", "consent_pending"])
    if not active:
        _ended(host, membership, scim_user, actor, reason, granted=granted)
        return
    invitation = reinvite(host, scim_user)
    if invitation is not None and invitation.next_attempt_at is not None:
        reason = reason or invitation.last_error  # held back (invitations.create)
    audit.record(Action.REACTIVATED, scim_user, actor, {"active": (False, True)}, reason)
    announce(signals.user_reactivated, scim_user, actor, invitation=invitation)


def _ended(
    host: HostAdapter,
    membership: Membership,
    scim_user: ScimUser | None,
    actor: Actor,
    reason: str,
    *,
    granted: bool,
) -> None:
    """What follows a membership switched off, provisioned or not (``scim_user`` None): the
    access ended (:func:`end_access`), the audit event and ``user_deactivated``."""
    end_access(host, membership, actor, granted=granted)
    changes = {"active": (True, False)}
    if scim_user is not None:
        audit.record(Action.DEACTIVATED, scim_user, actor, changes, reason)
    else:
        user_name = host.person_email(person_of(membership))
        audit.record_unprovisioned(
            Action.DEACTIVATED, membership, user_name, actor, changes, reason
        )
    announce(signals.user_deactivated, scim_user, actor, membership=membership)


def deactivate_membership(membership: Membership, actor: Actor, reason: str) -> bool:
    """End a member's access on an administrator's decision, whether or not the IdP manages
    them: the orphaned access review (admin and ``manage.py scim_orphans``).

    A provisioned member goes through the same deactivation as an IdP's ``active: false``;
    a member added by hand has no SCIM profile, so the membership is switched off directly,
    with the same revocations and audit event, and the same signal is sent with
    ``scim_user=None``. The audit event names the actor and the reason. Returns whether
    anything changed (False for a membership that was inactive already). Either way the IdP
    is not told: if it still assigns the person, its next update reactivates them, which is
    why the report is reviewed rather than acted on blindly.
    """
    host = host_adapter()
    with transaction.atomic():
        scim_user = ScimUser.objects.filter(membership_id=membership.pk).first()
        if scim_user is not None:
            current = lock_member(scim_user.organization_id, scim_user.scim_id)
            if not current.active:
                return False
            set_active(host, current, False, actor, reason)
            return True
        locked = (
            conf.membership_model()
            ._default_manager.select_for_update()
            .select_related(
                host_fields.membership_field("organization"),
                host_fields.membership_field("person"),
            )
            .get(pk=membership.pk)
        )
        if not is_active(locked):
            return False
        host.set_membership_active(locked, False)
        _ended(host, locked, None, actor, reason, granted=True)
        return True
