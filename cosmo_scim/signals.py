"""Signals the lifecycle service sends after each state change, inside its transaction.

Every signal carries ``organization``, ``membership``, ``scim_user`` and ``actor`` (an
:class:`cosmo_scim.provisioning.lifecycle.Actor`: the API key that acted, the request id
and the remote address). ``user_updated`` also carries ``changes``: ``{field: (before, after)}``;
``user_provisioned`` and ``user_reactivated`` carry ``invitation``: the new, unsent
Invitation, or None when the member has nothing to accept.
``user_deactivated`` is also sent when an administrator deactivates a member the IdP never
provisioned (``lifecycle.deactivate_membership``); ``scim_user`` is None then.

Receivers run inside the transaction: anything slow or external (email, webhooks) must be
deferred with ``transaction.on_commit`` so nothing happens for a change that rolls back.
The app's own receivers (invitation emails) are in receivers.py; docs/lifecycle.md
documents the signals for host products.
"""

from django.dispatch import Signal

user_provisioned = Signal()
user_updated = Signal()
user_deactivated = Signal()
user_reactivated = Signal()
user_removed = Signal()

# Group signals carry ``organization``, ``group`` (a cosmo_scim.models.ScimGroup) and
# ``actor``. ``group_updated`` also carries ``changes``: ``{field: (before, after)}`` for
# displayName and externalId. ``group_members_changed`` carries ``added`` and ``removed``:
# lists of membership primary keys (a PATCH may move a thousand people; no instances are
# loaded for receivers). ``group_deleted`` is sent before the group's rows are deleted.
group_created = Signal()
group_updated = Signal()
group_deleted = Signal()
group_members_changed = Signal()
