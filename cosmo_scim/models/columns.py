"""What several of cosmo_scim's tables declare alike: the organization a row belongs to, the
indexes that start with it, and the person a record names.

Every table of a tenant's rows is read by organization first, so each of its indexes starts
with the organization: what a query reads then follows the tenant, never the whole table
(docs/performance.md, "Rows read").
"""

from typing import Any

from django.conf import settings
from django.db import models

from .. import conf
from ..protocol.caseless import Folded


def organization_key(related_name: str) -> "models.ForeignKey[Any, Any]":
    """The organization the row belongs to; deleting the organization deletes the row."""
    return models.ForeignKey(
        conf.get("ORGANIZATION_MODEL"), on_delete=models.CASCADE, related_name=related_name
    )


def tenant_index(name: str, *fields: str) -> models.Index:
    """An index on ``fields`` within each organization."""
    return models.Index(fields=("organization", *fields), name=name)


def unique_in_tenant(name: str, *exact: str, caseless: str) -> models.UniqueConstraint:
    """One row per organization (and value of the ``exact`` fields) for each value of
    ``caseless``, compared by the caseless fold (protocol/caseless.py), as SCIM compares a
    ``caseExact: false`` attribute; its functional index also serves the caseless lookups."""
    return models.UniqueConstraint(
        models.F("organization"), *(models.F(field) for field in exact), Folded(caseless), name=name
    )


def resource_indexes(prefix: str) -> list[models.Index]:
    """What every SCIM resource table is read by within its organization: ``externalId``
    (``<prefix>_ext``) and the pages' ``id`` order (``<prefix>_page``, scim/tenant_scope.py)."""
    return [tenant_index(f"{prefix}_ext", "external_id"), tenant_index(f"{prefix}_page", "id")]


def person_named(related_name: str, **options: Any) -> "models.ForeignKey[Any, Any]":
    """The account of the person who did what the row records; the record outlives the
    account (the reference is cleared, what the row copied of it stays)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name=related_name,
        **options,
    )
