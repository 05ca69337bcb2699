"""django-scim2's adapter protocol for the User resource, on top of the lifecycle service.

django-scim2's views call ``from_dict`` then ``save`` (POST, PUT), ``handle_operations``
(PATCH) and ``delete`` (DELETE); here those become ``provision`` / ``update`` / ``remove``.
"""

from dataclasses import asdict

from django.db.models.query import ValuesIterable
from django_scim.adapters import SCIMUser

from ..models import ScimUser
from ..protocol.errors import invalid_value, not_found, uniqueness
from ..protocol.patch.patcher import apply_patch
from ..protocol.preconditions import check_if_match
from ..protocol.schema.resolve import USER
from ..provisioning import lifecycle
from ..provisioning.user_reads import membership_active, with_emails_and_groups
from .adapters import ResourceAdapterMixin
from .groups import user_groups
from .locations import collection_url
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

    def __init__(self, values):
        self.__dict__ = values


class _UserRows(ValuesIterable):
    def __iter__(self):
        return map(UserRow, super().__iter__())


def user_queryset(organization):
    """Every read of SCIM users starts here: scoped to the key's organization, each user
    a :class:`UserRow` with its membership's ``active``, its emails and its groups, in one
    query."""
    queryset = with_emails_and_groups(ScimUser.objects.filter(organization=organization))
    queryset = membership_active(queryset).values(*READ_FIELDS, "active")
    # values() yields dicts; these rows wrap them (QuerySet keeps the class through
    # filter(), order_by() and slicing, and values("pk") for a subquery resets it).
    queryset._iterable_class = _UserRows
    return queryset


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
        """POST provisions the parsed profile; PUT replaces the user's with it, once the
        service holds the row (see :meth:`_replaced`)."""
        self._write(self.profile if self.request.method == "POST" else self._replaced)

    def _replaced(self, current):
        """PUT: the parsed profile, after If-Match is checked against the locked row."""
        self._check_version(current)
        return self.profile

    def _check_version(self, current):
        """If-Match against the row the service has locked, so no write can slip in
        between the version check and the change (RFC 7644 §3.14). ``self.obj`` becomes
        that row: the response is rendered from it."""
        self.obj = current
        check_if_match(self.request, self.etag)

    def _write(self, change):
        """Hand the new profile (POST), or the function that computes it from the locked
        row (PUT, PATCH), to the lifecycle service; map its refusals to SCIM errors."""
        actor = actor_of(self.request)
        organization = self.request.scim_organization
        try:
            if self.request.method == "POST":
                written = lifecycle.provision(organization, change, actor)
            else:
                written = lifecycle.update(self.obj, change, actor)
        except ScimUser.DoesNotExist:
            raise not_found(f"{self.resource_type} {self.obj.scim_id} not found") from None
        except lifecycle.UserNameTaken as exc:
            raise uniqueness(
                f"userName {exc.args[0]!r} is already in use in this organization"
            ) from None
        except (lifecycle.EmailTaken, lifecycle.AlreadyProvisioned) as exc:
            raise uniqueness(str(exc)) from None
        except lifecycle.LifecycleError as exc:
            raise invalid_value(str(exc)) from None
        # The response is rendered from what was written, in the shape reads aggregate it
        # (user_queryset): the emails are the profile's, and /Users never changes groups
        # (an update read them under its lock; a new user has none).
        written.email_rows = [asdict(email) for email in self.profile.emails]
        if not hasattr(written, "group_rows"):
            written.group_rows = []
        self.obj = written

    def handle_operations(self, operations):
        """PATCH (RFC 7644 §3.5.2): apply the operations to the current representation,
        then save the result like a PUT — atomic by construction. The service calls
        :meth:`_patched` with the row as it is under its lock, so two concurrent PATCHes
        (Entra sends one attribute per request) both survive. ``self.obj`` is only a
        reference here (UsersView.get_object): the row is read once, locked."""
        self._operations = operations
        self._write(self._patched)

    def _patched(self, current):
        """The new profile from the operations and the current row, read under the lock
        with its emails and groups."""
        self._check_version(current)
        self.profile = parse_user(apply_patch(self.to_dict(), self._operations, USER))
        return self.profile

    def delete(self):
        try:
            lifecycle.remove(self.obj, actor_of(self.request), self._check_version)
        except ScimUser.DoesNotExist:
            raise not_found(f"{self.resource_type} {self.obj.scim_id} not found") from None


def actor_of(request):
    return lifecycle.Actor(
        api_key=request.scim_key,
        request_id=request.scim_request_id,
        remote_addr=request.META.get("REMOTE_ADDR"),
    )
