"""SCIM filters (RFC 7644 §3.4.2.2): one grammar (:mod:`.syntax`), compiled to a Django ``Q``
for queries (:mod:`.registry`, :mod:`.query`) and evaluated in Python on a representation's
multi-valued attribute for PATCH value paths (:mod:`.evaluate`)."""
