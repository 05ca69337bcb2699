"""The orphaned access report: active members that no identity provider will ever remove.

SCIM only helps with the people the IdP knows about. When an organization provisions over
SCIM, its admins expect "leaves the company" in the IdP to mean "loses access" here; this
report lists the active members for whom that is not true, so an admin can review them.

The organization must be *SCIM-provisioned*: it has SCIM users, or a SCIM key that is
neither revoked nor expired. An active member of it is orphaned when

- **not provisioned** — the membership has no SCIM profile: the member was added by hand
  (or before SCIM was switched on, and the IdP never adopted them). The IdP has no record
  of them, so it can never deactivate them;
- **stale IdP link** — the member was provisioned, but the key through which the IdP last
  provisioned or changed them is no longer a live link: revoked, expired, or not used for
  any request in ``COSMO_SCIM["IDP_LINK_STALE_DAYS"]`` days (default 90). Rotation passes the
  link on to the new key. Such a member belongs to an IdP connection that was removed or
  replaced (a switch from one IdP to another that never took them over), so their
  departure would not reach us either. When the key is unknown (deleted), the member is
  stale only if the organization has no live SCIM key at all.

Deactivated members are never orphaned: they have no access to lose.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import FilteredRelation, Q
from django.utils import timezone

from .. import conf
from ..host import Key, Membership, Organization, Person
from ..host_fields import membership_field, memberships, person_field, person_of
from ..models import APIKey, ScimUser

NOT_PROVISIONED = "not provisioned"
STALE_LINK = "stale IdP link"


@dataclass(frozen=True)
class Orphan:
    membership: Membership
    kind: str
    detail: str

    @property
    def person(self) -> Person:
        return person_of(self.membership)

    @property
    def role(self) -> str:
        """The membership's role as the host labels it (its field's choices)."""
        display = getattr(self.membership, f"get_{membership_field('role')}_display", None)
        return display() if callable(display) else ""


class _Keys:
    """An organization's keys, to judge links without a query per member."""

    def __init__(self, organization: Organization, now: datetime) -> None:
        self.now = now
        self.by_pk = {key.pk: key for key in APIKey.objects.filter(organization_id=organization.pk)}
        self.successor = {key.replaces_id: key for key in self.by_pk.values() if key.replaces_id}
        days = conf.get("IDP_LINK_STALE_DAYS")
        self.quiet_since = now - timedelta(days=days) if days is not None else None

    def current(self, key: APIKey) -> APIKey:
        """The key that holds this key's link today: the end of its chain of rotations."""
        while key.pk in self.successor:
            key = self.successor[key.pk]
        return key

    def problem(self, key: APIKey) -> str | None:
        """Why a link through this key is stale, or None while it is live."""
        key = self.current(key)
        name = f"key {key.name!r} ({key.prefix})"
        if key.revoked:
            return f"provisioned through {name}, which is revoked"
        if key.refusal(self.now) is not None:
            return f"provisioned through {name}, which expired on {key.expiry_date:%Y-%m-%d}"
        last_request = key.last_used_at or key.created
        if self.quiet_since is not None and last_request < self.quiet_since:
            return (
                f"provisioned through {name}, which no IdP has used since {last_request:%Y-%m-%d}"
            )
        return None

    def any_live_scim_key(self) -> bool:
        return any(
            key.scim and self.problem(key) is None
            for key in self.by_pk.values()
            if key.pk not in self.successor
        )

    def any_usable_scim_key(self) -> bool:
        return any(key.scim and key.refusal(self.now) is None for key in self.by_pk.values())


def scim_provisioned(organization: Organization, keys: _Keys | None = None) -> bool:
    """Does this organization provision over SCIM (so that the report applies)?"""
    keys = keys or _Keys(organization, timezone.now())
    return (
        keys.any_usable_scim_key()
        or ScimUser.objects.filter(organization_id=organization.pk).exists()
    )


# The membership's SCIM profile, joined on the organization as well (see find).
PROFILE = "tenant_scim_user"


def _orphaned(keys: _Keys) -> Q:
    """The condition, on a membership, of being orphaned, decided from the organization's
    keys (a handful) so that the database returns the orphans alone: the report reads the
    organization's memberships and their SCIM profiles, and the accounts of the orphans
    only (not every member's, sorted by email, to report none)."""
    stale = [pk for pk, key in keys.by_pk.items() if keys.problem(key)]
    condition = Q(**{f"{PROFILE}__membership_id__isnull": True}) | Q(
        **{f"{PROFILE}__idp_key_id__in": stale}
    )
    if not keys.any_live_scim_key():
        # Provisioned through a key that no longer exists (or is not this organization's).
        known = list(keys.by_pk)
        condition |= Q(**{f"{PROFILE}__membership_id__isnull": False}) & (
            Q(**{f"{PROFILE}__idp_key_id__isnull": True})
            | ~Q(**{f"{PROFILE}__idp_key_id__in": known})
        )
    return condition


def _orphan_keys(organization: Organization, keys: _Keys) -> list[Key]:
    """The primary keys of the organization's orphaned memberships.

    The SCIM profiles are joined on the organization as well as the membership (they are
    always the same), and only columns of ``cosmo_scim_user_members`` are read: PostgreSQL
    then reads the organization's entries of that index instead of hashing every
    organization's profiles, which a large tenant's share of the table made the cheaper
    plan."""
    profile = FilteredRelation("scim_user", condition=Q(scim_user__organization=organization))
    return list(
        memberships(organization=organization, active=True)
        .annotate(**{PROFILE: profile})
        .filter(_orphaned(keys))
        .values_list("pk", flat=True)
    )


def find(organization: Organization) -> list[Orphan]:
    """The organization's orphaned members, by email; empty when it does not use SCIM."""
    keys = _Keys(organization, timezone.now())
    if not scim_provisioned(organization, keys):
        return []
    found = _orphan_keys(organization, keys)
    if not found:
        return []
    person = membership_field("person")
    active = (
        memberships(organization=organization, active=True)
        .filter(pk__in=found)
        .select_related(person, "scim_user")
        .order_by(f"{person}__{person_field('email')}", "pk")
    )
    orphans: list[Orphan] = []
    no_live_key: bool | None = None
    for membership in active:
        scim_user = getattr(membership, "scim_user", None)
        if scim_user is None:
            orphans.append(
                Orphan(membership, NOT_PROVISIONED, "added by hand; the IdP does not know them")
            )
            continue
        key = keys.by_pk.get(scim_user.idp_key_id)
        if key is not None:
            problem = keys.problem(key)
        else:
            if no_live_key is None:
                no_live_key = not keys.any_live_scim_key()
            problem = (
                "provisioned through a key that no longer exists, and the organization has "
                "no live SCIM key"
                if no_live_key
                else None
            )
        if problem:
            orphans.append(Orphan(membership, STALE_LINK, problem))
    return orphans
