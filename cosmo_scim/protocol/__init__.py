"""SCIM 2.0 as code: RFC 7643 (core schema) and RFC 7644 (protocol), nothing of Cosmo.

Everything here is a pure function of SCIM documents and request parameters: schema data and
discovery documents, attribute paths, the filter language (compiled to a Django ``Q`` for
queries, evaluated in Python for PATCH value paths), the PATCH engine, projection, paging and
sorting, errors and preconditions. It imports no cosmo_scim model or service (``models``,
``lifecycle``, ``group_lifecycle``, ``host``, ``conf``…); Django's ``Q`` and ORM expression
classes are the only framework it builds on, so each rule can be read and tested on its own
(tests/protocol/, with minimal settings).

Translating SCIM resources into Cosmo's services, and the HTTP endpoints, is
:mod:`cosmo_scim.scim`'s job.
"""
