"""cosmo_scim: SCIM 2.0 user provisioning for a multi-tenant Django product.

The map (docs/architecture.md has it in full, with where each rule lives): ``protocol``
is RFC 7643/7644 as code and imports no model or service; ``scim`` serves the endpoints and
translates SCIM onto the ``provisioning`` services, which own every state change, its
transaction, its audit event and its signal (``signals``); receivers defer slow work with
``transaction.on_commit`` to ``tasks``, which do the slow I/O (invitation emails, through
``provisioning.invitation_delivery``). ``admin``, the invitation pages (``invitations``)
and the SSO pages (``sso``) sit on top; ``make lint`` checks which way the imports go. The
host is reached only through ``host.HostAdapter`` and the ``COSMO_SCIM`` settings
(``conf``). The public surface is at the package root: ``apps`` (``CosmoScimConfig``,
``OrgAdminConfig``), ``conf``, ``host``, ``signals``, ``checks``, ``models``,
``middleware``, ``authentication``, ``admin_site``, ``urls``, ``invitations.urls`` and
``tasks``.
"""
