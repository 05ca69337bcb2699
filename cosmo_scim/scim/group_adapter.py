"""django-scim2's adapter protocol for the Group resource, on top of the group lifecycle.

django-scim2's views call ``from_dict`` then ``save`` (POST, PUT), ``handle_operations``
(PATCH) and ``delete`` (DELETE); here those become ``create`` / ``update`` / ``delete`` of
:mod:`cosmo_scim.provisioning.group_lifecycle`.
"""

from django.db.models import QuerySet
from django_scim.adapters import SCIMGroup

from ..host import Organization
from ..models import ScimGroup
from ..protocol import caseless
from ..protocol.documents import JsonObject
from ..protocol.errors import conflict, invalid_value, uniqueness
from ..protocol.patch.patcher import apply_patch
from ..protocol.schema.resolve import GROUP
from ..provisioning import group_lifecycle
from ..provisioning.group_lifecycle import GroupProfile
from ..provisioning.refusals import HostRefused
from .adapters import ResourceAdapterMixin, Write
from .groups import GroupBody, member_changes, parse_group, represent, wants_members
from .locations import collection_url
from .tenant_scope import of_tenant


def group_queryset(organization: Organization, with_members: bool = True) -> QuerySet[ScimGroup]:
    """Every read of SCIM groups starts here: scoped to the key's organization, members
    and their users fetched in one query per page (none when ``with_members`` is false)."""
    groups = of_tenant(ScimGroup.objects.all(), organization)
    if not with_members:
        return groups
    return groups.prefetch_related(group_lifecycle.MEMBER_LINKS)


class ScimGroupAdapter(ResourceAdapterMixin, SCIMGroup):
    model = ScimGroup
    url_name = "scim:groups"
    resource_type = "Group"
    service_update = staticmethod(group_lifecycle.update)
    service_remove = staticmethod(group_lifecycle.delete)

    # The parsed body: set by from_dict (POST, PUT) or by a PATCH before it is read.
    body: GroupBody = None  # type: ignore[assignment]
    # A write's response keeps ``members`` unless the request's ``excludedAttributes`` /
    # ``attributes`` leave them out (RFC 7644 §3.5.2 and §3.9): then they are not read.
    response_members = True

    def to_dict(self, member_display: bool = False, with_members: bool | None = None) -> JsonObject:
        users_url = collection_url(self.request, "scim:users")
        if with_members is None:
            with_members = self.response_members
        return represent(self.obj, self.location, users_url, member_display, with_members)

    def from_dict(self, d: JsonObject) -> None:
        self.body = parse_group(d)

    def save(self) -> None:
        """POST creates the group; PUT replaces its profile and members."""
        if self.request.method == "POST":
            body = self.body
            self._write(
                lambda organization, actor: group_lifecycle.create(
                    organization, body.profile, body.member_ids, actor
                )
            )
        else:
            self._write(self.updating((self.body.profile, self.body.member_ids)))

    def handle_operations(self, operations: object) -> None:
        """PATCH (RFC 7644 §3.5.2) on the group's representation as the service reads it
        under its lock, saved as the member differences: every IdP member form (add a value
        list, remove by ``members[value eq]`` or by value list, remove all, replace) reduces
        to additions and removals. The PATCH engine is a pure function of (representation,
        operations)."""
        delta = member_changes(operations)
        if delta is not None:
            self._write(self.updating(delta))
            return
        users_url = collection_url(self.request, "scim:users")
        location = self.location

        def patched(current: ScimGroup) -> tuple[GroupProfile, frozenset[str]]:
            resource = represent(current, location, users_url)
            self.body = parse_group(apply_patch(resource, operations, GROUP))
            return self.body.profile, self.body.member_ids

        self._write(self.updating(patched))

    def _write(self, write: Write) -> None:
        """Run a group lifecycle write, map its refusals to SCIM errors, and read the group
        back as responses show it."""
        organization = self.request.scim_organization
        try:
            written = self.run_write(write)
        except group_lifecycle.DisplayNameTaken:
            raise uniqueness(
                f"displayName {self.body.profile.display_name!r} is already in use in this "
                "organization"
            ) from None
        except group_lifecycle.UnknownMembers as exc:
            raise invalid_value(str(exc)) from None
        except HostRefused as exc:
            raise conflict(str(exc)) from None
        params = self.request.GET
        self.response_members = wants_members(
            caseless.get(params, "attributes"), caseless.get(params, "excludedAttributes")
        )
        queryset = group_queryset(organization, with_members=self.response_members)
        self.obj = queryset.get(pk=written.pk)
