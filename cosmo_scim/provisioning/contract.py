"""What every provisioning service call shares: the errors the SCIM layer maps to responses,
the version precondition (RFC 7644 §3.14), the lock on one member's rows and the signal that
announces a change, with who acted (``signals.Actor``)."""

from typing import Any

from django.dispatch import Signal

from ..host import Key, Membership
from ..host_fields import membership_field, membership_path
from ..models import ScimGroup, ScimUser
from ..signals import Actor
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


def check_version(row: ScimUser | ScimGroup, expected_versions: set[int] | None) -> None:
    """Refuse a write when the caller named the versions it may change and the locked row
    is none of them. ``expected_versions``: None (no condition) or a set of versions.
    Checked under the row lock, so no write slips in between the check and the change."""
    if expected_versions is not None and row.version not in expected_versions:
        raise VersionMismatch("The resource changed since you read it (ETag mismatch)")


def lock_member(organization_id: Key, scim_id: str) -> ScimUser:
    """The SCIM user and the person's account, read once and locked in one statement so
    concurrent changes serialise (ownership.py's lock order), with its emails and groups.
    Raises ScimUser.DoesNotExist when the organization has no such user."""
    person = membership_path("person")
    return with_emails_and_groups(
        ScimUser.objects.select_for_update(of=("self", person)).select_related(
            person, "organization"
        )
    ).get(organization_id=organization_id, scim_id=scim_id)


def announce(
    signal: Signal,
    scim_user: ScimUser | None,
    actor: Actor,
    *,
    membership: Membership | None = None,
    **extra: Any,
) -> None:
    """Send a user signal with the arguments every receiver can rely on (signals.py).
    ``scim_user`` is None only for a member the IdP never provisioned: then ``membership``
    (with its organization loaded) is the member."""
    if scim_user is not None:
        membership, organization = scim_user.membership, scim_user.organization
    else:
        organization = getattr(membership, membership_field("organization"))
    signal.send(
        sender=ScimUser,
        organization=organization,
        membership=membership,
        scim_user=scim_user,
        actor=actor,
        **extra,
    )
