"""Signals the lifecycle service sends after each state change, inside its transaction.

Every signal carries ``organization``, ``membership``, ``scim_user`` and ``actor`` (an
:class:`Actor`, defined here with the payloads it belongs to: the API key that acted, the
request id and the remote address; the services take it as ``lifecycle.Actor`` too).
``user_updated`` also carries ``changes``: ``{field: (before, after)}``;
``user_provisioned``, ``user_reactivated`` and ``user_updated`` carry ``invitation``: the
new, unsent Invitation, or None when the member has nothing to accept (an update invites
when the IdP moved the person's login address, provisioning/ownership.py).
``user_accepted`` is sent when the person accepts their invitation, with ``changes``:
``{"active": (False, True)}`` when the membership awaited their consent, else ``{}``.
``user_deactivated`` is also sent when an administrator deactivates a member the IdP never
provisioned (``lifecycle.deactivate_membership``); ``scim_user`` is None then.

Receivers run inside the transaction: anything slow or external (email, webhooks) must be
deferred with ``transaction.on_commit`` so nothing happens for a change that rolls back.
The app's own receivers (invitation emails) are in receivers.py; docs/lifecycle.md
documents the signals for host products.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from django.dispatch import Signal

if TYPE_CHECKING:
    from .host import Key, Membership, Organization
    from .models import APIKey, Invitation, ScimGroup, ScimUser


@dataclass(frozen=True)
class Actor:
    """Who caused a change: the IdP's API key (never its secret), or a person in the admin,
    or a command; with the request id and the address where there was a request."""

    api_key: "APIKey | None" = None
    request_id: str = ""
    remote_addr: str | None = None
    # A person who acted in the admin (an orphaned access review, for example).
    user: object = None
    # What acted when neither a key nor a person did, e.g. "manage.py scim_orphans"; with a
    # person, how they acted when not as an admin (e.g. "accepted the invitation").
    via: str = ""

    def __str__(self) -> str:
        if self.api_key is not None:
            return f"API key {self.api_key.name!r} ({self.api_key.prefix})"
        if self.user is not None:
            return f"{self.user} ({self.via or 'admin'})"
        return self.via or "system"


# What each signal's receivers get as keyword arguments besides ``sender`` and Django's
# ``signal``, for a typed receiver: ``def on_update(sender, **kwargs: Unpack[UserUpdated])``.
class UserChange(TypedDict):
    """Every user signal (``sender`` is ScimUser). ``scim_user`` is None only for
    ``user_deactivated`` sent by an administrator's deactivation of a member the IdP never
    provisioned."""

    organization: "Organization"
    membership: "Membership"
    scim_user: "ScimUser | None"
    actor: Actor


class UserProvisioned(UserChange):
    """``user_provisioned`` and ``user_reactivated``: the new, unsent invitation, or None
    when the member has nothing to accept."""

    invitation: "Invitation | None"


class UserUpdated(UserChange):
    """``user_updated``: ``{field: (before, after)}``, and the new, unsent invitation when
    the IdP moved the person's login address (provisioning/ownership.py), else None."""

    changes: dict[str, tuple[Any, Any]]
    invitation: "Invitation | None"


class UserAccepted(UserChange):
    """``user_accepted``: ``{"active": (False, True)}`` when the membership awaited the
    person's consent and grants access from now on, else ``{}``."""

    changes: dict[str, tuple[Any, Any]]


user_provisioned = Signal()  # UserProvisioned
user_updated = Signal()  # UserUpdated
user_deactivated = Signal()  # UserChange
user_reactivated = Signal()  # UserProvisioned
user_removed = Signal()  # UserChange
user_accepted = Signal()  # UserAccepted


# Group signals carry ``organization``, ``group`` (a cosmo_scim.models.ScimGroup) and
# ``actor``. ``group_updated`` also carries ``changes``: ``{field: (before, after)}`` for
# displayName and externalId. ``group_members_changed`` carries ``added`` and ``removed``:
# lists of membership primary keys (a PATCH may move a thousand people; no instances are
# loaded for receivers). ``group_deleted`` is sent before the group's rows are deleted.
class GroupChange(TypedDict):
    """Every group signal (``sender`` is ScimGroup)."""

    organization: "Organization"
    group: "ScimGroup"
    actor: Actor


class GroupUpdated(GroupChange):
    """``group_updated``: ``{field: (before, after)}`` of displayName and externalId."""

    changes: dict[str, tuple[Any, Any]]


class GroupMembersChanged(GroupChange):
    """``group_members_changed``: the membership keys added and removed (the host's key
    type: int, UUID or str)."""

    added: "list[Key]"
    removed: "list[Key]"


group_created = Signal()  # GroupChange
group_updated = Signal()  # GroupUpdated
group_deleted = Signal()  # GroupChange
group_members_changed = Signal()  # GroupMembersChanged
