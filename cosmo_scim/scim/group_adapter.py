"""django-scim2's adapter protocol for the Group resource, on top of the group lifecycle.

django-scim2's views call ``from_dict`` then ``save`` (POST, PUT), ``handle_operations``
(PATCH) and ``delete`` (DELETE); here those become ``create`` / ``update`` / ``delete`` of
:mod:`cosmo_scim.provisioning.group_lifecycle`.
"""

from django.db.models import Prefetch
from django_scim.adapters import SCIMGroup

from ..models import ScimGroup, ScimGroupMember
from ..protocol.errors import invalid_value, uniqueness
from ..protocol.patch.patcher import apply_patch
from ..protocol.schema.resolve import GROUP
from ..provisioning import group_lifecycle
from .adapters import ResourceAdapterMixin
from .groups import parse_group, represent
from .locations import collection_url
from .user_adapter import actor_of


def group_queryset(organization, with_members=True):
    """Every read of SCIM groups starts here: scoped to the key's organization, members
    and their users fetched in one query per page (none when ``with_members`` is false)."""
    groups = ScimGroup.objects.filter(organization=organization)
    if not with_members:
        return groups
    members = ScimGroupMember.objects.select_related("scim_user").only(
        "group_id", "scim_user__scim_id", "scim_user__display_name", "scim_user__user_name"
    )
    return groups.prefetch_related(Prefetch("member_links", queryset=members))


class ScimGroupAdapter(ResourceAdapterMixin, SCIMGroup):
    model = ScimGroup
    url_name = "scim:groups"
    resource_type = "Group"

    body = None

    def to_dict(self, member_display=False, with_members=True):
        users_url = collection_url(self.request, "scim:users")
        return represent(self.obj, self.location, users_url, member_display, with_members)

    def validate_dict(self, d):
        """Validation happens while parsing, in :meth:`from_dict`."""

    def from_dict(self, d):
        self.body = parse_group(d)

    def save(self):
        organization = self.request.scim_organization
        actor = actor_of(self.request)
        try:
            if self.obj.pk is None:
                self.obj = group_lifecycle.create(
                    organization, self.body.profile, self.body.member_ids, actor
                )
            else:
                current = {link.scim_user.scim_id for link in self.obj.member_links.all()}
                group_lifecycle.update(
                    self.obj,
                    self.body.profile,
                    actor,
                    add=self.body.member_ids - current,
                    remove=current - self.body.member_ids,
                )
        except group_lifecycle.DisplayNameTaken:
            raise uniqueness(
                f"displayName {self.body.profile.display_name!r} is already in use in this "
                "organization"
            ) from None
        except group_lifecycle.UnknownMembers as exc:
            raise invalid_value(str(exc)) from None
        self.obj = group_queryset(organization).get(pk=self.obj.pk)

    def handle_operations(self, operations):
        """PATCH (RFC 7644 §3.5.2) on the current representation, then saved as the member
        differences: every IdP member form (add a value list, remove by ``members[value eq]``
        or by value list, remove all, replace) reduces to additions and removals.

        GroupsView read ``self.obj`` under the row lock, in the transaction this runs in,
        so a concurrent PATCH's members are in the representation this one is applied to.
        """
        patched = apply_patch(self.to_dict(), operations, GROUP)
        self.from_dict(patched)
        self.save()

    def delete(self):
        group_lifecycle.delete(self.obj, actor_of(self.request))
