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

from collections import defaultdict

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower

from ..host import host_adapter
from ..models import RoleMapping, ScimGroupMember, ScimUser


def _mapping_condition(mappings):
    """Which group rows a set of mappings matches: displayName case-insensitively (SCIM
    caseExact false, RFC 7643 §4.2), externalId exactly (caseExact true, §3.1)."""
    condition = Q(pk__in=[])
    for mapping in mappings:
        if mapping.match == RoleMapping.Match.EXTERNAL_ID:
            condition |= Q(group__external_id=mapping.value)
        else:
            condition |= Q(group_name_ci=mapping.value.lower())
    return condition


def _mapped_roles(organization, scim_user_pks):
    """``{scim_user_pk: {role, ...}}`` from the mapped groups each user belongs to."""
    mappings = list(RoleMapping.objects.filter(organization=organization))
    roles = defaultdict(set)
    if not mappings:
        return roles
    rows = (
        ScimGroupMember.objects.filter(
            group__organization=organization, scim_user_id__in=scim_user_pks
        )
        .alias(group_name_ci=Lower("group__display_name"))
        .filter(_mapping_condition(mappings))
        .values_list("scim_user_id", "group__display_name", "group__external_id")
    )
    for scim_user_pk, display_name, external_id in rows:
        for mapping in mappings:
            if mapping.match == RoleMapping.Match.EXTERNAL_ID:
                matched = external_id == mapping.value
            else:
                matched = display_name.lower() == mapping.value.lower()
            if matched:
                roles[scim_user_pk].add(mapping.role)
    return roles


def recompute(organization, scim_user_pks):
    """Give these SCIM users' memberships the role their groups now call for."""
    scim_user_pks = list(scim_user_pks)
    if not scim_user_pks:
        return
    mapped = _mapped_roles(organization, scim_user_pks)
    memberships = ScimUser.objects.filter(
        organization=organization, pk__in=scim_user_pks
    ).values_list("pk", "membership_id")
    host = host_adapter()
    host.set_roles(
        {
            membership_pk: host.role_for(organization, mapped[pk])
            for pk, membership_pk in memberships
        }
    )


def recompute_grouped(organization):
    """After the organization's mappings change: re-rank everyone in one of its groups.

    Members of no group keep their role until a group change touches them; they never got
    one from a mapping.
    """
    with transaction.atomic():
        pks = (
            ScimGroupMember.objects.filter(group__organization=organization)
            .values_list("scim_user_id", flat=True)
            .distinct()
        )
        recompute(organization, set(pks))
