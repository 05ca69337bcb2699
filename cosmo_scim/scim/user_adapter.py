"""django-scim2's adapter protocol for the User resource, on top of the lifecycle service.

django-scim2's views call ``from_dict`` then ``save`` (POST, PUT), ``handle_operations``
(PATCH) and ``delete`` (DELETE); here those become ``provision`` / ``update`` / ``remove``.
"""

import json
from dataclasses import asdict
from functools import cache
from typing import Any

from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast
from django_scim.adapters import SCIMUser

from ..host import Organization
from ..models import ScimUser
from ..protocol.documents import JsonObject
from ..protocol.errors import conflict, invalid_value, uniqueness
from ..protocol.patch.patcher import apply_patch
from ..protocol.schema.resolve import USER
from ..provisioning import lifecycle
from ..provisioning.refusals import HostRefused
from ..provisioning.user_profile import UserProfile
from ..provisioning.user_reads import membership_active, with_emails_and_groups
from .adapters import ResourceAdapterMixin, Write
from .groups import ReadUser, user_groups
from .locations import collection_url
from .tenant_scope import of_tenant
from .user_attributes import JSON_LISTS, VALUE_BOUNDS
from .users import parse_user, represent

# What a representation reads (users.represent), and what identifies the row for a write.
READ_FIELDS = (
    *lifecycle.COLUMN_FIELDS,
    "pk",
    "scim_id",
    "organization_id",
    "created",
    "last_modified",
    "version",
    "email_rows",
    "group_rows",
)


class UserRow:
    """A SCIM user as reads fetch it: the values a representation uses, as attributes (the
    names a ScimUser has, ``active`` for its membership's ``is_active``). Reads build no
    model instances: on a page of 100 users, Django building a ScimUser and a Membership
    per row was a fifth of the request."""

    pk: Any  # every read selects it (READ_FIELDS)

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__ = values


# The JSON values of a read (the stored lists and the aggregated emails and groups). A list
# selects each as text, under its own alias, and user_rows decodes a row's six as one JSON
# array: one json.loads per user instead of six, a tenth of a page's time.
_JSON_FIELDS = (*(attribute.field for attribute in JSON_LISTS), "email_rows", "group_rows")
_JSON_TEXTS = tuple(f"{name}_json" for name in _JSON_FIELDS)


@cache
def _read_columns(using: str) -> QuerySet[ScimUser, dict[str, Any]]:
    """What every read of SCIM users selects, built once per database and cloned by each
    request: building these annotations anew was a quarter of a GET by id
    (docs/performance.md, "Where a request's time goes"). A queryset is never evaluated
    here, and every chained call returns a new one, so the one kept is never changed."""
    queryset = membership_active(with_emails_and_groups(ScimUser.objects.using(using)))
    texts = {
        alias: Cast(name, TextField())
        for alias, name in zip(_JSON_TEXTS, _JSON_FIELDS, strict=True)
    }
    plain = [name for name in READ_FIELDS if name not in _JSON_FIELDS]
    return queryset.annotate(**texts).values(*plain, *_JSON_TEXTS, "active")


def user_queryset(organization: Organization) -> QuerySet[ScimUser, dict[str, Any]]:
    """Every read of SCIM users starts here: scoped to the key's organization, each user
    the values of a :class:`UserRow` with its membership's ``active``, its emails and its
    groups, in one query (:func:`user_rows` reads them)."""
    return of_tenant(_read_columns(ScimUser.objects.db), organization)


def user_rows(queryset: QuerySet[ScimUser, dict[str, Any]]) -> list[UserRow]:
    """The :class:`UserRow` of each user ``queryset`` (a :func:`user_queryset`) holds."""
    return [_user_row(values) for values in queryset]


def _user_row(values: dict[str, Any]) -> UserRow:
    texts = ",".join([values.pop(alias) for alias in _JSON_TEXTS])
    values.update(zip(_JSON_FIELDS, json.loads(f"[{texts}]"), strict=True))
    return UserRow(values)


class ScimUserAdapter(ResourceAdapterMixin, SCIMUser):
    model = ScimUser
    url_name = "scim:users"
    resource_type = "User"
    service_update = staticmethod(lifecycle.update)
    service_remove = staticmethod(lifecycle.remove)

    # The parsed body: set by from_dict (POST, PUT) or by a PATCH before it is written.
    profile: UserProfile | None = None

    def to_dict(self) -> JsonObject:
        groups_url = collection_url(self.request, "scim:groups")
        return represent(self.obj, self.location, user_groups(self.obj, groups_url))

    def from_dict(self, d: JsonObject) -> None:
        self.profile = parse_user(d)

    def save(self) -> None:
        """POST provisions the parsed profile; PUT replaces the user's with it."""
        if self.request.method == "POST":
            profile = self.profile
            assert profile is not None  # parsed by from_dict
            self._write(
                lambda organization, actor: lifecycle.provision(organization, profile, actor)
            )
        else:
            self._write(self.updating(self.profile))

    def handle_operations(self, operations: object) -> None:
        """PATCH (RFC 7644 §3.5.2): the operations are applied to the user's representation
        as the service reads it under its lock, then saved like a PUT — so two concurrent
        PATCHes (Entra sends one attribute per request) both survive. The PATCH engine is a
        pure function of (representation, operations)."""
        groups_url = collection_url(self.request, "scim:groups")
        location = self.location

        def patched(current: ReadUser) -> UserProfile:
            resource = represent(current, location, user_groups(current, groups_url))
            result = apply_patch(resource, operations, USER, max_values=VALUE_BOUNDS)
            self.profile = parse_user(result)
            return self.profile

        self._write(self.updating(patched))

    def _write(self, write: Write) -> None:
        """Run a lifecycle write and map its refusals to SCIM errors."""
        try:
            written = self.run_write(write)
        except lifecycle.UserNameTaken as exc:
            # RFC 7644 §3.3: a duplicate userName is 409 uniqueness. Said plainly, since a
            # client retrying a POST that succeeded gets it too.
            raise uniqueness(
                f"A User with userName {exc.args[0]!r} already exists in this organization; "
                f"find it with filter=userName eq {json.dumps(exc.args[0])}"
            ) from None
        except (lifecycle.EmailTaken, lifecycle.AlreadyProvisioned) as exc:
            raise uniqueness(str(exc)) from None
        except lifecycle.LifecycleError as exc:
            raise invalid_value(str(exc)) from None
        except HostRefused as exc:
            raise conflict(str(exc)) from None
        # The response is rendered from what was written, in the shape reads aggregate it
        # (user_queryset): the emails are the profile's, and /Users never changes groups
        # (an update read them under its lock; a new user has none).
        assert self.profile is not None  # parsed before the write ran
        written.email_rows = [asdict(email) for email in self.profile.emails]
        if not hasattr(written, "group_rows"):
            written.group_rows = []
        self.obj = written
