"""The SCIM endpoints (django-scim2's views, made tenant-safe) and the translation of SCIM
resources into lifecycle-service calls and back; the protocol rules they apply are
:mod:`cosmo_scim.protocol`'s."""
