"""The group side of the lifecycle service: IdP groups, their members, and the roles
they imply.

Okta "group push" and Entra group provisioning create a group, then move people in and out
of it, a thousand at a time on large tenants. Each call here is one transaction holding the
group's row lock: the SCIM group, its host team and the members' roles change together, two
concurrent PATCHes of one group apply one after the other (neither loses its members), and a
signal announces each change. Queries do not grow with the number of members: members are
resolved, inserted and deleted in bulk and roles are re-ranked in bulk.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias, cast

from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone

from .. import signals
from ..host import HostAdapter, Key, Organization, host_adapter
from ..models import AuditEvent, ScimGroup, ScimGroupMember, ScimUser
from ..protocol import caseless
from ..signals import Actor
from . import audit, roles
from .lifecycle import LifecycleError, check_version
from .refusals import host_refused

Action = AuditEvent.Action


class DisplayNameTaken(LifecycleError):
    pass


class UnknownMembers(LifecycleError):
    """Member ids that are not SCIM Users of the group's organization."""

    def __init__(self, scim_ids: Iterable[str]) -> None:
        self.scim_ids = sorted(scim_ids)
        super().__init__("No such User in this organization: " + ", ".join(self.scim_ids))


@dataclass(frozen=True)
class MemberChanges:
    """Members to add and to remove, by SCIM User id, and nothing else: what Okta's and
    Entra's member PATCHes say (``add`` a value list, ``remove`` ``members[value eq]`` or a
    value list). Applied from the links of those members alone, so its cost does not grow
    with the group (a group of 50,000 is patched like one of 5). The two sets are disjoint
    (otherwise the operations' order matters, and the PATCH is applied to the whole group)."""

    add: frozenset[str]
    remove: frozenset[str]


@dataclass(frozen=True)
class GroupProfile:
    """The IdP-owned scalar attributes of a group."""

    display_name: str
    external_id: str | None = None


# What :func:`update` applies: the profile and member ids (PUT), a pure function from the
# locked group to them (PATCH), or the member differences alone.
GroupChange: TypeAlias = (
    tuple[GroupProfile, Iterable[str]]
    | Callable[[ScimGroup], tuple[GroupProfile, Iterable[str]]]
    | MemberChanges
)
# A present member, as a removal names it: (SCIM id, ScimUser pk, membership pk).
Present: TypeAlias = tuple[str, int, Key]


def _name_taken(
    organization: Organization, display_name: str, exclude_pk: int | None = None
) -> bool:
    """Does another of the organization's groups have this displayName (caseless)?
    ``exclude_pk``: the group being renamed."""
    holders = ScimGroup.objects.filter(organization_id=organization.pk).filter(
        caseless.same("display_name", display_name)
    )
    if exclude_pk is not None:
        holders = holders.exclude(pk=exclude_pk)
    return holders.exists()


def _resolve(organization: Organization, scim_ids: Iterable[str]) -> list[ScimUser]:
    """The SCIM users with these ids, all of this organization, or UnknownMembers."""
    scim_ids = set(scim_ids)
    if not scim_ids:
        return []
    users = list(
        ScimUser.objects.filter(organization_id=organization.pk, scim_id__in=scim_ids).only(
            "pk", "scim_id", "membership_id"
        )
    )
    missing = scim_ids - {user.scim_id for user in users}
    if missing:
        raise UnknownMembers(missing)
    return users


def _touch(group: ScimGroup) -> None:
    group.last_modified = timezone.now()
    group.version += 1
    group.save(update_fields=["display_name", "external_id", "last_modified", "version"])


def create(
    organization: Organization, profile: GroupProfile, member_ids: Iterable[str], actor: Actor
) -> ScimGroup:
    """A new group (Okta sends ``members: []``; Entra may send members at once)."""
    host = host_adapter()
    try:
        with transaction.atomic():
            if _name_taken(organization, profile.display_name):
                raise DisplayNameTaken(profile.display_name)
            users = _resolve(organization, member_ids)
            now = timezone.now()
            group = ScimGroup.objects.create(
                # The host's rows, Any here: as lifecycle._join creates a ScimUser.
                organization=cast(Any, organization),
                team=cast(Any, host.create_team(organization, name=profile.display_name)),
                display_name=profile.display_name,
                external_id=profile.external_id,
                created=now,
                last_modified=now,
            )
            audit.record_group(
                Action.GROUP_CREATED,
                group,
                actor,
                {
                    "display_name": (None, group.display_name),
                    "external_id": (None, group.external_id),
                },
            )
            signals.group_created.send(
                sender=ScimGroup, organization=organization, group=group, actor=actor
            )
            _change_members(host, group, users, [], actor)
            roles.recompute(organization, [user.pk for user in users])
    except IntegrityError as exc:
        # Two concurrent POSTs of one displayName: the unique index decides. Any other
        # constraint is the host's team model's (refusals.py).
        if _name_taken(organization, profile.display_name):
            raise DisplayNameTaken(profile.display_name) from exc
        raise host_refused(exc, "group", organization) from exc
    return group


# What a group's member links carry when a group is read, for a write here or for a SCIM
# read: enough to tell the members apart and describe them (SCIM id, names), and their
# memberships for the team. One query per page of groups.
# In each group's insertion order, grouped by group: ordered by id alone (the model's
# order), a page's links could be read by walking the primary key through every other
# group's, which PostgreSQL chose under some statistics.
MEMBER_LINK_ROWS = (
    ScimGroupMember.objects.select_related("scim_user")
    .only(
        "group_id",
        "scim_user_id",
        "scim_user__scim_id",
        "scim_user__display_name",
        "scim_user__user_name",
        "scim_user__membership_id",
    )
    .order_by("group_id", "id")
)
MEMBER_LINKS = Prefetch("member_links", queryset=MEMBER_LINK_ROWS)


def _locked(organization_id: Key, scim_id: str, with_members: bool = True) -> ScimGroup:
    """The group, read once and under a row lock so concurrent writes serialise, with its
    member links (unless not ``with_members``). Raises ScimGroup.DoesNotExist when the
    organization has no such group."""
    groups = ScimGroup.objects.select_for_update(of=("self",)).select_related(
        "organization", "team"
    )
    if with_members:
        groups = groups.prefetch_related(MEMBER_LINKS)
    return groups.get(organization_id=organization_id, scim_id=scim_id)


def _present(links: Iterable[ScimGroupMember]) -> dict[str, Present]:
    """{member's SCIM id: (SCIM id, ScimUser pk, membership pk)} of member links."""
    return {
        link.scim_user.scim_id: (
            link.scim_user.scim_id,
            link.scim_user_id,
            link.scim_user.membership_id,
        )
        for link in links
    }


def update(
    organization: Organization,
    scim_id: str,
    change: GroupChange,
    actor: Actor,
    *,
    expected_versions: set[int] | None = None,
) -> ScimGroup:
    """Set the group's profile and members: ``change`` is ``(GroupProfile, member ids)``
    (PUT), or a pure function from the locked group, its member links loaded, to that pair
    (PATCH: the operations apply to the group as it is under the lock, so a concurrent
    PATCH's members are never undone), or :class:`MemberChanges` (a PATCH of members
    only, which reads no other member). The members are written as the differences from
    what is there: a member already present or already absent costs nothing (IdPs re-send
    them). ``expected_versions``: see ``lifecycle.check_version``. Returns the group.
    """
    host = host_adapter()
    profile: GroupProfile | None = None
    try:
        with transaction.atomic():
            by_delta = isinstance(change, MemberChanges)
            current = _locked(organization.pk, scim_id, with_members=not by_delta)
            check_version(current, expected_versions)
            if isinstance(change, MemberChanges):
                profile = GroupProfile(current.display_name, current.external_id)
                named = MEMBER_LINK_ROWS.filter(
                    group=current, scim_user__scim_id__in=change.add | change.remove
                )
                present = _present(named)
                member_ids = (present.keys() | change.add) - change.remove
            else:
                profile, wanted = change(current) if callable(change) else change
                member_ids = set(wanted)
                present = _present(current.member_links.all())
            changes = {
                name: (getattr(current, name), getattr(profile, name))
                for name in ("display_name", "external_id")
                if getattr(current, name) != getattr(profile, name)
            }
            if "display_name" in changes and _name_taken(
                organization, profile.display_name, current.pk
            ):
                raise DisplayNameTaken(profile.display_name)
            added = _resolve(organization, member_ids - present.keys())
            removed = [present[gone] for gone in present.keys() - member_ids]
            if not (changes or added or removed):
                return current
            current.display_name = profile.display_name
            current.external_id = profile.external_id
            _touch(current)
            if changes:
                if "display_name" in changes:
                    host.rename_team(current.team, profile.display_name)
                audit.record_group(Action.GROUP_UPDATED, current, actor, changes)
                signals.group_updated.send(
                    sender=ScimGroup,
                    organization=organization,
                    group=current,
                    actor=actor,
                    changes=changes,
                )
            _change_members(host, current, added, removed, actor)
            # A new name or externalId can match another role mapping: re-rank everyone.
            affected = {pk for _, pk, _ in present.values()} if changes else set()
            affected |= {user.pk for user in added} | {pk for _, pk, _ in removed}
            roles.recompute(organization, affected)
    except IntegrityError as exc:
        renamed = ScimGroup.objects.filter(scim_id=scim_id).values_list("pk", flat=True).first()
        if profile is not None and _name_taken(organization, profile.display_name, renamed):
            raise DisplayNameTaken(profile.display_name) from exc
        raise host_refused(exc, "group update", organization) from exc
    return current


def _change_members(
    host: HostAdapter,
    group: ScimGroup,
    added: Sequence[ScimUser],
    removed: Sequence[Present],
    actor: Actor,
) -> None:
    """Write member rows and the host team's members in bulk, then announce it.

    ``added``: ScimUser rows; ``removed``: ``(scim_id, scim_user_pk, membership_pk)``.
    """
    if not (added or removed):
        return
    if added:
        ScimGroupMember.objects.bulk_create(
            ScimGroupMember(group=group, scim_user_id=user.pk) for user in added
        )
        host.add_team_members(group.team, [user.membership_id for user in added])
    if removed:
        ScimGroupMember.objects.filter(
            group=group, scim_user_id__in=[pk for _, pk, _ in removed]
        ).delete()
        host.remove_team_members(group.team, [membership_pk for _, _, membership_pk in removed])
    audit.record_group(
        Action.GROUP_MEMBERS_CHANGED,
        group,
        actor,
        added=[user.scim_id for user in added],
        removed=[scim_id for scim_id, _, _ in removed],
    )
    signals.group_members_changed.send(
        sender=ScimGroup,
        organization=group.organization,
        group=group,
        actor=actor,
        added=[user.membership_id for user in added],
        removed=[membership_pk for _, _, membership_pk in removed],
    )


def delete(
    organization: Organization,
    scim_id: str,
    actor: Actor,
    *,
    expected_versions: set[int] | None = None,
) -> None:
    """Delete the group and its team (Okta: a pushed group unlinked); its former members
    fall back to the roles their remaining groups give."""
    host = host_adapter()
    with transaction.atomic():
        current = _locked(organization.pk, scim_id)
        check_version(current, expected_versions)
        former = [link.scim_user_id for link in current.member_links.all()]
        audit.record_group(Action.GROUP_DELETED, current, actor)
        signals.group_deleted.send(
            sender=ScimGroup, organization=organization, group=current, actor=actor
        )
        team = current.team
        current.delete()
        host.delete_team(team)
        roles.recompute(organization, former)
