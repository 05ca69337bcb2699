"""cosmo_scim: SCIM 2.0 user provisioning for a multi-tenant Django product."""
