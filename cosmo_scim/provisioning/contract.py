"""What every provisioning service call shares: who acted (:class:`Actor`), the errors the
SCIM layer maps to responses, the version precondition (RFC 7644 §3.14), the lock on one
member's rows and the signal that announces a change (signals.py)."""

from dataclasses import dataclass

from ..host_fields import membership_path
from ..models import ScimUser
from .user_reads import with_emails_and_groups


class LifecycleError(Exception):
    """A request the service refuses; the SCIM layer maps it to an error response."""


class UserNameTaken(LifecycleError):
    pass


class AlreadyProvisioned(LifecycleError):
    pass


class VersionMismatch(LifecycleError):
    """The caller expected another version of the resource than the one it would change
    (a SCIM If-Match, RFC 7644 §3.14)."""


def check_version(row, expected_versions):
    """Refuse a write when the caller named the versions it may change and the locked row
    is none of them. ``expected_versions``: None (no condition) or a set of versions.
    Checked under the row lock, so no write slips in between the check and the change."""
    if expected_versions is not None and row.version not in expected_versions:
        raise VersionMismatch("The resource changed since you read it (ETag mismatch)")


@dataclass(frozen=True)
class Actor:
    """Who caused a change: the IdP's API key (never its secret), or a person in the admin,
    or a command; with the request id and the address where there was a request."""

    api_key: object = None
    request_id: str = ""
    remote_addr: str | None = None
    # A person who acted in the admin (an orphaned access review, for example).
    user: object = None
    # What acted when neither a key nor a person did, e.g. "manage.py scim_orphans"; with a
    # person, how they acted when not as an admin (e.g. "accepted the invitation").
    via: str = ""

    def __str__(self):
        if self.api_key is not None:
            return f"API key {self.api_key.name!r} ({self.api_key.prefix})"
        if self.user is not None:
            return f"{self.user} ({self.via or 'admin'})"
        return self.via or "system"


def lock_member(organization_id, scim_id):
    """The SCIM user and the person's account, read once and locked in one statement so
    concurrent changes serialise (ownership.py's lock order), with its emails and groups.
    Raises ScimUser.DoesNotExist when the organization has no such user."""
    person = membership_path("person")
    return with_emails_and_groups(
        ScimUser.objects.select_for_update(of=("self", person)).select_related(
            person, "organization"
        )
    ).get(organization_id=organization_id, scim_id=scim_id)


def announce(signal, scim_user, actor, **extra):
    """Send a user signal with the arguments every receiver can rely on (signals.py)."""
    signal.send(
        sender=ScimUser,
        organization=scim_user.organization,
        membership=scim_user.membership,
        scim_user=scim_user,
        actor=actor,
        **extra,
    )
