"""Accepting an invitation: the person takes up their membership.

Apart from lifecycle.py (the IdP's changes) because the person, not the IdP, acts here,
through the accept page (invitations/views.py); the same rules hold: one transaction, the
locks in ownership.py's order, the audit event.
"""

from django.db import transaction
from django.utils import timezone

from ..host import host_adapter
from ..host_fields import membership_path, person_of
from ..models import ScimUser
from . import audit, invitations, ownership
from .lifecycle import Action, Actor


def accept_invitation(invitation, password=None):
    """The person takes up their membership by accepting its invitation. Single use: under
    a row lock the invitation must still be acceptable, and — under the account's lock —
    still addressed to the account's login (ownership.invitation_reaches_login). A
    membership that awaited the person's consent (an account this organization did not
    create) starts granting access now. ``password``: the one the person chose on the page
    for an account without one, set on the locked account. Returns the refusal
    (invitations.refusal), or None when accepted.

    Locks in ownership.py's order, as an update does: the SCIM user and the account, then
    the invitation (an update that moves the login revokes invitations under its locks)."""
    host = host_adapter()
    with transaction.atomic():
        scim_user = person = None
        if invitation.membership_id is not None:
            path = membership_path("person")
            scim_user = (
                ScimUser.objects.select_for_update(of=("self", path))
                .select_related(path, "organization")
                .filter(membership_id=invitation.membership_id)
                .first()
            )
            person = (
                person_of(scim_user.membership)
                if scim_user is not None
                else host.lock_person(person_of(invitation.membership))
            )
        current = invitations.lock(invitation)
        reason = invitations.refusal(current)
        if reason is not None:
            return reason
        if not ownership.invitation_reaches_login(host, person, current):
            return invitations.REVOKED
        now = timezone.now()
        invitations.mark_accepted(current, now)
        if password is not None:
            person.set_password(password)
            person.save(update_fields=["password"])
        if scim_user is None:
            return None
        changes = {}
        if scim_user.consent_pending:
            host.set_membership_active(scim_user.membership, True)
            changes["active"] = (False, True)
        ScimUser.objects.filter(pk=scim_user.pk).update(accepted_at=now, consent_pending=False)
        audit.record(
            Action.ACCEPTED,
            scim_user,
            Actor(user=person, via="accepted the invitation"),
            changes,
        )
    return None
