"""Signals the lifecycle service sends after each state change, inside its transaction.

Every signal carries ``organization``, ``membership``, ``scim_user`` and ``actor`` (an
:class:`cosmo_scim.lifecycle.Actor`: the API key that acted, the request id and the remote
address). ``user_updated`` also carries ``changes``: ``{field: (before, after)}``.

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
