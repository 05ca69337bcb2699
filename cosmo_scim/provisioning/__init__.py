"""The provisioning services: the one place provisioning state changes.

Each call is one transaction that changes the membership, the SCIM profile, the person's
account, revocations, invitations and the audit trail together, and sends its signal
(``cosmo_scim.signals``) inside it. ``lifecycle.py`` (users), ``group_lifecycle.py``
(groups), ``access.py`` (switching access off and on), ``acceptance.py`` (a person accepting
an invitation) and ``domains.py`` (verified email domains) are the services; the SCIM layer,
the admin, the management commands and the invitation pages call them, and nothing here
imports those callers (docs/architecture.md; ``make lint`` checks it).
"""
