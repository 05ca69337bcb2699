"""When the database refuses a provisioning write: which refusal it really was.

A write can fail on one of cosmo_scim's own unique indexes — the organization's userName or
group ``displayName``, folded (protocol/caseless.py), which also decide between two
concurrent POSTs — and that is SCIM's 409 ``uniqueness``. It can also fail on one of the
*host's* constraints (a unique username on its user model, a NOT NULL column its membership
adds, a unique team name): the IdP did nothing wrong that SCIM can name, and telling it
"userName already in use" would send its admin looking for a duplicate that does not exist.
So after the transaction rolls back, the service asks whether the value it wrote is really
taken in the organization (the row that won a race is committed by then); if not, the
refusal is the host's: :class:`HostRefused`, logged for the operator with the constraint's
name and never the values (the database's message quotes them: an address, a name).
"""

import logging

from django.db import IntegrityError

from ..host import Organization
from ..models import ScimUser
from ..protocol import caseless

logger = logging.getLogger("cosmo_scim.provisioning")


class HostRefused(Exception):
    """The host's database refused the change: one of its constraints, not SCIM's."""

    def __init__(self, what: str, constraint: str) -> None:
        super().__init__(
            f"The product's database refused this {what}: it breaks a rule of the "
            "product's own data model, not a SCIM uniqueness rule. Nothing was changed; "
            "the product's operators can see which rule in their server log."
        )
        self.constraint = constraint


def user_name_taken(organization: Organization, user_name: str, scim_id: str | None = None) -> bool:
    """After a refused write: is ``user_name`` the userName of another of the
    organization's SCIM users (committed, the race's winner included)?"""
    holders = ScimUser.objects.filter(
        caseless.same("user_name", user_name), organization_id=organization.pk
    )
    if scim_id is not None:
        holders = holders.exclude(scim_id=scim_id)
    return holders.exists()


def constraint_of(error: IntegrityError) -> str:
    """The name of the constraint an IntegrityError broke, without the values: PostgreSQL
    reports it apart (``diag.constraint_name``); SQLite's message names the constraint or
    columns (``UNIQUE constraint failed: auth_user.username``) and quotes no value."""
    cause = error.__cause__
    diag = getattr(cause, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        table = getattr(diag, "table_name", None)
        return f"{table}.{name}" if table else name
    return str(cause or error).splitlines()[0][:200]


def host_refused(error: IntegrityError, what: str, organization: Organization) -> HostRefused:
    """Log the host's refusal for the operator, and return the exception to raise."""
    constraint = constraint_of(error)
    logger.warning(
        "The host's database refused a SCIM %s for organization %s: %s (%s)",
        what,
        getattr(organization, "pk", organization),
        constraint,
        type(error.__cause__ or error).__name__,
    )
    return HostRefused(what, constraint)
