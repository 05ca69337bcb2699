"""django-scim2's adapter protocol for the User resource, on top of the lifecycle service.

django-scim2's views call ``from_dict`` then ``save`` (POST, PUT), ``handle_operations``
(PATCH) and ``delete`` (DELETE); here those become ``provision`` / ``update`` / ``remove``.
"""

from dataclasses import asdict

from django.db import router
from django.db.models.functions import JSONObject
from django_scim.adapters import SCIMUser

from .. import lifecycle
from ..models import ScimGroupMember, ScimUser, ScimUserEmail
from . import schemas
from .adapters import ResourceAdapterMixin
from .errors import invalid_value, uniqueness
from .groups import user_groups
from .json_rows import JSONRows
from .locations import collection_url
from .patch import apply_patch
from .users import parse_user, represent


# A user's emails and groups, aggregated into the row that reads the user.
EMAIL_ROWS = JSONRows(
    ScimUser,
    lambda user_pk: ScimUserEmail.objects.filter(scim_user=user_pk)
    .order_by("pk")
    .values(item=JSONObject(value="value", type="type", primary="primary", display="display")),
)
GROUP_ROWS = JSONRows(
    ScimUser,
    lambda user_pk: ScimGroupMember.objects.filter(scim_user=user_pk)
    .order_by("pk")
    .values(item=JSONObject(value="group__scim_id", display="group__display_name")),
)


def user_queryset(organization):
    """Every read of SCIM users starts here: scoped to the key's organization, each user
    with its membership (``active``), emails and groups in the same query."""
    using = router.db_for_read(ScimUser)
    return (
        ScimUser.objects.filter(organization=organization)
        .select_related("membership")
        .annotate(email_rows=EMAIL_ROWS.annotation(using), group_rows=GROUP_ROWS.annotation(using))
    )


class ScimUserAdapter(ResourceAdapterMixin, SCIMUser):
    model = ScimUser
    url_name = "scim:users"
    resource_type = "User"

    profile = None

    def to_dict(self):
        groups_url = collection_url(self.request, "scim:groups")
        return represent(self.obj, self.location, user_groups(self.obj, groups_url))

    def validate_dict(self, d):
        """Validation happens while parsing, in :meth:`from_dict`."""

    def from_dict(self, d):
        self.profile = parse_user(d)

    def save(self):
        self._write(self.profile)

    def _write(self, change):
        """Hand the new profile (or, for PATCH, the function that computes it from the
        locked row) to the lifecycle service; map its refusals to SCIM errors."""
        actor = actor_of(self.request)
        organization = self.request.scim_organization
        try:
            if self.obj.pk is None:
                written = lifecycle.provision(organization, change, actor)
            else:
                written = lifecycle.update(self.obj, change, actor)
        except lifecycle.UserNameTaken as exc:
            raise uniqueness(
                f"userName {exc.args[0]!r} is already in use in this organization"
            ) from None
        except (lifecycle.EmailTaken, lifecycle.AlreadyProvisioned) as exc:
            raise uniqueness(str(exc)) from None
        except lifecycle.LifecycleError as exc:
            raise invalid_value(str(exc)) from None
        # The response is rendered from what was written, in the shape reads aggregate it
        # (user_queryset): the emails are the profile's, and /Users never changes groups.
        written.email_rows = [asdict(email) for email in self.profile.emails]
        written.group_rows = getattr(self.obj, "group_rows", [])
        self.obj = written

    def handle_operations(self, operations):
        """PATCH (RFC 7644 §3.5.2): apply the operations to the current representation,
        then save the result like a PUT — atomic by construction. The service calls
        :meth:`_patched` with the row as it is under its lock, so two concurrent PATCHes
        (Entra sends one attribute per request) both survive."""
        self._operations = operations
        self._write(self._patched)

    def _patched(self, current):
        """The new profile from the operations and the current row (the caller holds its
        lock, so this read sees what the lock protects)."""
        self.obj = user_queryset(self.request.scim_organization).get(pk=current.pk)
        self.profile = parse_user(apply_patch(self.to_dict(), self._operations, schemas.USER))
        return self.profile

    def delete(self):
        lifecycle.remove(self.obj, actor_of(self.request))


def actor_of(request):
    return lifecycle.Actor(
        api_key=request.scim_key,
        request_id=request.scim_request_id,
        remote_addr=request.META.get("REMOTE_ADDR"),
    )
