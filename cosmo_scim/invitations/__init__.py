"""The invitation pages: the emailed link and the accept page (``views.py``), mounted by the
host with ``include("cosmo_scim.invitations.urls")``.

The invitations themselves — issuing, tokens, sending — are a provisioning service
(``provisioning/invitations.py``, ``provisioning/invitation_delivery.py``); these pages sit
on top of it and take a link up through ``provisioning/acceptance.py``.
"""
