"""django-scim2's adapter protocol for the User resource, on top of the lifecycle service.

django-scim2's views call ``from_dict`` then ``save`` (POST, PUT), ``handle_operations``
(PATCH) and ``delete`` (DELETE); here those become ``provision`` / ``update`` / ``remove``.
"""

from django.db.models import Prefetch
from django.urls import reverse
from django_scim.adapters import SCIMUser

from .. import lifecycle
from ..models import ScimGroupMember, ScimUser
from . import schemas
from .errors import invalid_value, uniqueness
from .groups import user_groups
from .patch import apply_patch
from .users import parse_user, represent


def user_queryset(organization):
    """Every read of SCIM users starts here: scoped to the key's organization. Emails and
    groups come in one query each per page."""
    groups = ScimGroupMember.objects.select_related("group").only(
        "scim_user_id", "group__scim_id", "group__display_name"
    )
    return (
        ScimUser.objects.filter(organization=organization)
        .select_related("membership")
        .prefetch_related("emails", Prefetch("group_links", queryset=groups))
    )


class ScimUserAdapter(SCIMUser):
    model = ScimUser
    id_field = "scim_id"
    url_name = "scim:users"
    resource_type = "User"

    profile = None

    @property
    def location(self):
        return self.request.build_absolute_uri(self.path)

    @property
    def etag(self):
        return f'W/"{self.obj.version}"'

    def to_dict(self):
        groups_url = self.request.build_absolute_uri(reverse("scim:groups")).rstrip("/")
        return represent(self.obj, self.location, user_groups(self.obj, groups_url))

    def validate_dict(self, d):
        """Validation happens while parsing, in :meth:`from_dict`."""

    def from_dict(self, d):
        self.profile = parse_user(d)

    def save(self):
        actor = actor_of(self.request)
        try:
            if self.obj.pk is None:
                self.obj = lifecycle.provision(self.request.scim_organization, self.profile, actor)
            else:
                lifecycle.update(self.obj, self.profile, actor)
        except lifecycle.UserNameTaken:
            raise uniqueness(
                f"userName {self.profile.user_name!r} is already in use in this organization"
            ) from None
        except (lifecycle.EmailTaken, lifecycle.AlreadyProvisioned) as exc:
            raise uniqueness(str(exc)) from None
        except lifecycle.LifecycleError as exc:
            raise invalid_value(str(exc)) from None
        self.obj = user_queryset(self.request.scim_organization).get(pk=self.obj.pk)

    def handle_operations(self, operations):
        """PATCH (RFC 7644 §3.5.2): apply the operations to the current representation,
        then save the result like a PUT — atomic by construction.

        django-scim2 runs this inside a transaction; the row is re-read under a lock first so
        two concurrent PATCHes (Entra sends one attribute per request) both survive.
        """
        self.obj = (
            user_queryset(self.request.scim_organization)
            .select_for_update(of=("self",))
            .get(pk=self.obj.pk)
        )
        patched = apply_patch(self.to_dict(), operations, schemas.USER)
        self.from_dict(patched)
        self.save()

    def delete(self):
        lifecycle.remove(self.obj, actor_of(self.request))


def actor_of(request):
    return lifecycle.Actor(
        api_key=request.scim_key,
        request_id=request.scim_request_id,
        remote_addr=request.META.get("REMOTE_ADDR"),
    )
