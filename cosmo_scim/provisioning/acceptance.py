"""Accepting an invitation: the person takes up their membership.

Apart from lifecycle.py (the IdP's changes) because the person, not the IdP, acts here,
through the accept page (invitations/views.py); the same contract holds: one transaction, the
locks in ownership.py's order, the audit event and the signal (``user_accepted``).
"""

from typing import Any, cast

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from .. import signals
from ..host import Person, host_adapter
from ..host_fields import membership_path, person_of
from ..models import AuditEvent, Invitation, ScimUser
from . import audit, invitations, ownership
from .contract import Actor, announce

Action = AuditEvent.Action


def accept_invitation(invitation: Invitation, password: str | None = None) -> str | None:
    """The person takes up their membership by accepting its invitation. Single use: under
    a row lock the invitation must still be acceptable, and — under the account's lock —
    still addressed to the account's login (ownership.invitation_reaches_login). A
    membership that awaited the person's consent (an account this organization did not
    create) starts granting access now. ``password``: the one the person chose on the page
    for an account without one, set on the locked account. Returns the refusal
    (invitations.refusal), or None when accepted. The acceptance of a provisioned member is
    recorded and announced (``user_accepted``, with ``changes``: ``{"active": (False,
    True)}`` when the membership starts granting access) like every other change.

    Locks in ownership.py's order, as an update does: the SCIM user and the account, then
    the invitation (an update that moves the login revokes invitations under its locks)."""
    host = host_adapter()
    with transaction.atomic():
        scim_user: ScimUser | None = None
        person: Person | None = None
        if invitation.membership_id is not None:
            path = membership_path("person")
            scim_user = (
                ScimUser.objects.select_for_update(of=("self", path))
                .select_related(path, "organization")
                .filter(membership_id=invitation.membership_id)
                .first()
            )
            if scim_user is not None:
                person = person_of(scim_user.membership)
            else:
                membership = invitation.membership
                assert membership is not None  # its id is set
                person = host.lock_person(person_of(membership))
        current = invitations.lock(invitation)
        reason = invitations.refusal(current)
        if reason is not None:
            return reason
        # No person: the invitation has no membership, which refusal() has turned down.
        if person is None or not ownership.invitation_reaches_login(host, person, current):
            return invitations.REVOKED
        now = timezone.now()
        invitations.mark_accepted(current, now)
        if password is not None:
            cast(AbstractBaseUser, person).set_password(password)
            person.save(update_fields=["password"])
        if scim_user is None:
            return None
        changes: dict[str, tuple[Any, Any]] = {}
        if scim_user.consent_pending:
            host.set_membership_active(scim_user.membership, True)
            changes["active"] = (False, True)
        scim_user.accepted_at, scim_user.consent_pending = now, False
        scim_user.save(update_fields=["accepted_at", "consent_pending"])
        actor = Actor(user=person, via="accepted the invitation")
        audit.record(Action.ACCEPTED, scim_user, actor, changes)
        announce(signals.user_accepted, scim_user, actor, changes=changes)
    return None
