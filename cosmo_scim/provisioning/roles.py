"""Organization roles that follow the IdP's groups.

An organization maps IdP groups to roles (:class:`cosmo_scim.models.RoleMapping`, edited in
Django admin). A SCIM member's role is what ``HostAdapter.role_for`` makes of the roles of
their mapped groups: by default the highest, else the lowest role. Okta and Entra express
"who is an admin" as group membership, so a manual role edit of a SCIM-managed member lasts
only until the next sync of their groups.

Callers hold the transaction of the group change, so a role never disagrees with the
groups that produced it. Every function runs a fixed number of queries, whatever the
number of people: a group of a thousand changes in one PATCH.
"""

import operator
from collections import defaultdict
from collections.abc import Collection, Iterable
from functools import reduce

from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q

from ..host import Organization, host_adapter
from ..models import RoleMapping, ScimGroupMember, ScimUser
from ..protocol import caseless


def _matches(mapping: RoleMapping) -> Q:
    """Whether a group row matches ``mapping``, in SQL — the one place a mapping is matched:
    displayName without case (SCIM caseExact false, RFC 7643 §4.2), folded by the database
    on both sides as its unique index on the name folds it (protocol/caseless.py);
    externalId exactly (caseExact true, §3.1)."""
    if mapping.match == RoleMapping.Match.EXTERNAL_ID:
        return Q(group__external_id=mapping.value)
    return Q(caseless.same("group__display_name", mapping.value))


def _mapped_roles(
    organization: Organization, scim_user_pks: Collection[int]
) -> defaultdict[int, set[str]]:
    """``{scim_user_pk: {role, ...}}`` from the mapped groups each user belongs to: one
    query, with a column per mapping saying whether the row's group matches it."""
    mappings = list(RoleMapping.objects.filter(organization_id=organization.pk))
    roles: defaultdict[int, set[str]] = defaultdict(set)
    if not mappings:
        return roles
    flags = {
        f"mapping_{index}": ExpressionWrapper(_matches(mapping), output_field=BooleanField())
        for index, mapping in enumerate(mappings)
    }
    rows = (
        ScimGroupMember.objects.filter(
            group__organization_id=organization.pk, scim_user_id__in=scim_user_pks
        )
        .annotate(**flags)
        .filter(reduce(operator.or_, (_matches(mapping) for mapping in mappings)))
        .values_list("scim_user_id", *flags)
    )
    for scim_user_pk, *matched in rows:
        roles[scim_user_pk].update(
            mapping.role for mapping, hit in zip(mappings, matched, strict=True) if hit
        )
    return roles


def recompute(organization: Organization, scim_user_pks: Iterable[int]) -> None:
    """Give these SCIM users' memberships the role their groups now call for."""
    scim_user_pks = list(scim_user_pks)
    if not scim_user_pks:
        return
    mapped = _mapped_roles(organization, scim_user_pks)
    memberships = ScimUser.objects.filter(
        organization_id=organization.pk, pk__in=scim_user_pks
    ).values_list("pk", "membership_id")
    host = host_adapter()
    host.set_roles(
        {
            membership_pk: host.role_for(organization, mapped[pk])
            for pk, membership_pk in memberships
        }
    )


def recompute_grouped(organization: Organization) -> None:
    """After the organization's mappings change: re-rank everyone in one of its groups.

    Members of no group keep their role until a group change touches them; they never got
    one from a mapping.
    """
    with transaction.atomic():
        pks = (
            ScimGroupMember.objects.filter(group__organization_id=organization.pk)
            .values_list("scim_user_id", flat=True)
            .distinct()
        )
        recompute(organization, set(pks))
