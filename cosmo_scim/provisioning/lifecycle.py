"""The lifecycle service: the one place that changes provisioning state.

The SCIM layer translates requests into these calls; everything that must hold together
(membership, SCIM profile, the person's account, revocations, invitations, the audit trail)
changes here, in one transaction, and a signal announces it. Receivers defer slow work with
``on_commit``.

This module holds the IdP's changes to a member (provision, update, remove). Switching
access on and off is access.py's; what every call shares (the actor, the errors, the lock,
the announcement) is contract.py's, re-exported here as the service's one surface. Whether
the IdP may change the person's *account*, and whether a new membership needs the person's
consent, is ownership.py's rule.
"""

from collections.abc import Callable, Iterable
from typing import Any, TypeAlias, cast

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .. import signals
from ..addresses import address_key, with_address
from ..host import HostAdapter, Organization, Person, host_adapter
from ..host_fields import is_active, person_of
from ..models import AuditEvent, Invitation, ScimGroup, ScimUser, ScimUserEmail
from ..signals import Actor
from . import audit, invitations, ownership, sessions
from .access import deactivate_membership, set_active
from .contract import (
    AlreadyProvisioned,
    LifecycleError,
    UserNameTaken,
    VersionMismatch,
    announce,
    check_version,
    lock_member,
)
from .refusals import host_refused, user_name_taken
from .user_profile import COLUMN_FIELDS, Email, UserProfile, profile_of

Action = AuditEvent.Action

__all__ = [
    "Action",
    "Actor",
    "AlreadyProvisioned",
    "EmailTaken",
    "LifecycleError",
    "UserNameTaken",
    "VersionMismatch",
    "check_version",
    "deactivate_membership",
    "no_email_refusal",
    "provision",
    "remove",
    "update",
]


# The new login email is another member's of this organization (ownership.sync_account).
EmailTaken = ownership.EmailTaken

# What :func:`update` applies: the new profile (PUT), or a pure function from the locked
# ScimUser to it (PATCH).
UserChange: TypeAlias = UserProfile | Callable[[ScimUser], UserProfile]


def _save_emails(scim_user: ScimUser, emails: Iterable[Email], *, replace: bool) -> None:
    if replace:
        ScimUserEmail.objects.filter(scim_user=scim_user).delete()
    ScimUserEmail.objects.bulk_create(
        ScimUserEmail(
            scim_user=scim_user,
            value=e.value,
            type=e.type,
            primary=e.primary,
            display=e.display,
        )
        for e in emails
    )


def _email_holder(organization: Organization, email: str) -> str | None:
    """The userName of the organization's SCIM user that already has ``email``, or None. A
    login email belongs to one member, and the organization's own profiles decide it: asked
    before any account is looked up, the answer cannot depend on what exists outside the
    organization (an account elsewhere, or the login an ownership rule kept)."""
    return (
        with_address(
            ScimUserEmail.objects.filter(scim_user__organization_id=organization.pk), "value", email
        )
        .values_list("scim_user__user_name", flat=True)
        .first()
    )


def no_email_refusal(profile: UserProfile) -> str:
    """Why a profile without an address cannot be provisioned, naming what the IdP has to
    map: people are invited by email, so one is required. authentik's default mapping sends
    ``emails: []`` and its username for a user without an email (docs/idp-dialects.md#authentik);
    the sentence says which attribute to fill and which value fell short."""
    return (
        f"userName {profile.user_name[:100]!r} has no email address to invite: map the "
        'person\'s email to emails[type eq "work"].value (or send an email address as '
        "userName): members are invited by email."
    )


def provision(organization: Organization, profile: UserProfile, actor: Actor) -> ScimUser:
    """Create the membership (and the person, if new) for a profile the IdP pushes: lock
    the account at the profile's address, decide (ownership.decide_provision), write.

    A person who does not exist yet cannot be locked: when two transactions create an
    account at one address, the host's unique constraint refuses the second, and it runs
    once more, now attaching the winner's account under its lock."""
    email = profile.login_email()
    if not email:
        raise LifecycleError(no_email_refusal(profile))
    retried = False
    while True:
        creating: list[str] = []
        try:
            with transaction.atomic():
                return _provision(organization, profile, email, actor, creating)
        except IntegrityError as exc:
            # Two concurrent POSTs of one userName: the database's unique index decides.
            if user_name_taken(organization, profile.user_name):
                raise UserNameTaken(profile.user_name) from exc
            if not retried and creating and host_adapter().find_person(email) is not None:
                retried = True
                continue  # lost the race for a new account at this address: attach it
            # Any other constraint is the host's, not the IdP's duplicate (refusals.py).
            raise host_refused(exc, "user", organization) from exc


def _provision(
    organization: Organization, profile: UserProfile, email: str, actor: Actor, creating: list[str]
) -> ScimUser:
    """``email``: the profile's login address."""
    host = host_adapter()
    # userName uniqueness is left to the (organization, LOWER(userName)) unique index: it
    # also decides between concurrent POSTs, and costs no extra query.
    holder = _email_holder(organization, email)
    if holder is not None and address_key(holder) == address_key(profile.user_name):
        # The same user again, typically a client retrying a POST that succeeded. Compared
        # by the address key: whatever it calls equal, LOWER (the unique index, the userName
        # filter) does too on every database, so the 409 never names a userName that
        # filter=userName eq cannot find.
        raise UserNameTaken(profile.user_name)
    if holder is not None:
        raise AlreadyProvisioned(
            f"{email} is already the email of the User with userName {holder!r}"
        )
    decision = ownership.decide_provision(host, organization, profile, email)
    person = decision.person
    if person is None:
        creating.append(email)
        person = host.create_person(
            email=email, given_name=profile.given_name, family_name=profile.family_name
        )
        ownership.record_creation(person, organization)
    return _join(host, organization, profile, actor, decision, person)


def _join(
    host: HostAdapter,
    organization: Organization,
    profile: UserProfile,
    actor: Actor,
    decision: ownership.Decision,
    person: Person,
) -> ScimUser:
    """Write what ``decision`` says for a POST: the membership (new, adopted or awaiting
    consent), the SCIM profile, the account, the invitation, the audit event, the signal."""
    active = profile.active is not False
    new_person = decision.person is None
    membership = decision.membership
    adopted = membership is not None
    consent = decision.consent
    if membership is None:
        membership = host.create_membership(organization, person, active=active and not consent)
    else:
        # A member added by hand before SCIM was switched on: the IdP adopts them.
        if ScimUser.objects.filter(membership_id=membership.pk).exists():
            raise AlreadyProvisioned(
                f"{profile.login_email()} is already provisioned here under another userName"
            )
        host.set_membership_active(membership, active)
    now = timezone.now()
    scim_user = ScimUser.objects.create(
        # The host's rows, Any here: django-stubs types these foreign keys as the models the
        # settings name, which the adapter's Model-typed rows are not known to be.
        organization=cast(Any, organization),
        membership=cast(Any, membership),
        created=now,
        last_modified=now,
        idp_key=actor.api_key,
        # Adopted members were in the organization already: nothing to accept.
        accepted_at=now if adopted else None,
        consent_pending=active and consent,
        **{name: getattr(profile, name) for name in COLUMN_FIELDS},
    )
    _save_emails(scim_user, profile.emails, replace=False)
    host.project_profile(membership, profile)
    if not new_person:  # a new account was created with the IdP's values already
        _write_account(host, scim_user, decision)
    invitation = None
    if active and not adopted:
        invitation = invitations.create(scim_user, host.person_email(person))
    audit.record(Action.PROVISIONED, scim_user, actor, _initial_values(profile, active))
    announce(signals.user_provisioned, scim_user, actor, invitation=invitation)
    return scim_user


def _write_account(
    host: HostAdapter, scim_user: ScimUser, decision: ownership.Decision
) -> Invitation | None:
    """Copy what ``decision`` allows onto the (locked) account. A login address an IdP
    moves takes the password, the sessions and this membership's invitation links with
    it: the person sets a new password through an invitation sent to the new address.
    Returns that invitation, or None."""
    person = decision.person
    if decision.account is None or person is None:  # no account to write, or none yet
        return None
    try:
        with transaction.atomic():
            host.project_person(person, **decision.account)
    except IntegrityError:
        # Another transaction has just given the address to another account (the host's
        # unique constraint): the account stays, as it would had that been read first.
        person.refresh_from_db()
        return None
    if not decision.moves_login:
        return None
    if cast(AbstractBaseUser, person).has_usable_password():
        host.end_password(person)
    sessions.end(sessions.keys_of(person))
    invitations.revoke_pending(scim_user.membership)
    if is_active(scim_user.membership) or scim_user.consent_pending:
        return invitations.create(scim_user, host.person_email(person))
    return None


def _link_to_key(scim_user: ScimUser, actor: Actor) -> None:
    """Record the key through which the IdP just acted on this member: the member's IdP link,
    which the orphaned access report checks. Callers hold the row lock; one UPDATE, and only
    when the key is a different one (after a switch of IdP, for example)."""
    api_key = actor.api_key
    if api_key is not None and scim_user.idp_key_id != api_key.pk:
        scim_user.idp_key = api_key
        ScimUser.objects.filter(pk=scim_user.pk).update(idp_key=api_key)


def update(
    organization: Organization,
    scim_id: str,
    change: UserChange,
    actor: Actor,
    *,
    expected_versions: set[int] | None = None,
) -> ScimUser:
    """Apply a new profile to the organization's user ``scim_id``; an ``active`` change
    deactivates or reactivates.

    ``change`` is the new :class:`~.user_profile.UserProfile` (PUT), or a pure function from
    the current, locked ScimUser to it (PATCH: the operations must apply to the row as it
    is under the lock, or two concurrent PATCHes lose one of their changes).
    ``expected_versions``: see :func:`check_version`. Returns the updated ScimUser, with
    ``email_rows`` and ``group_rows`` as they were before the change.
    """
    host = host_adapter()
    profile: UserProfile | None = None
    try:
        with transaction.atomic():
            current = lock_member(organization.pk, scim_id)
            check_version(current, expected_versions)
            _link_to_key(current, actor)
            before = profile_of(current)
            profile = change(current) if callable(change) else change
            changes = {
                name: (getattr(before, name), getattr(profile, name))
                for name in COLUMN_FIELDS
                if getattr(before, name) != getattr(profile, name)
            }
            if before.emails != profile.emails:
                changes["emails"] = (
                    [e.value for e in before.emails],
                    [e.value for e in profile.emails],
                )
            if changes:
                for name in COLUMN_FIELDS:
                    setattr(current, name, getattr(profile, name))
                current.last_modified = timezone.now()
                current.version += 1
                current.save()
                if "emails" in changes:
                    _save_emails(current, profile.emails, replace=True)
                host.project_profile(current.membership, profile)
                decision = ownership.decide_update(
                    host,
                    current.organization,
                    person_of(current.membership),
                    before,
                    profile,
                    accepted=current.accepted_at is not None,
                )
                invitation = _write_account(host, current, decision)
                audit.record(Action.UPDATED, current, actor, changes, decision.reason)
                announce(
                    signals.user_updated, current, actor, changes=changes, invitation=invitation
                )
            if profile.active is not None and profile.active != before.active:
                set_active(host, current, profile.active, actor)
    except IntegrityError as exc:
        if profile is not None and user_name_taken(organization, profile.user_name, scim_id):
            raise UserNameTaken(profile.user_name) from exc
        raise host_refused(exc, "user update", organization) from exc
    return current


def _initial_values(profile: UserProfile, active: bool) -> dict[str, tuple[Any, Any]]:
    """A provisioning's audit changes: every field the IdP set, from nothing."""
    values = {name: (None, getattr(profile, name)) for name in COLUMN_FIELDS}
    values["emails"] = (None, [e.value for e in profile.emails])
    values["active"] = (None, active)
    return {name: change for name, change in values.items() if change[1] not in ("", None, [])}


def remove(
    organization: Organization,
    scim_id: str,
    actor: Actor,
    *,
    expected_versions: set[int] | None = None,
) -> None:
    """Take the member out of the organization (RFC 7644 §3.6 DELETE). The person's account
    and the audit trail stay; provisioning the userName again creates a fresh membership.
    ``expected_versions``: see :func:`check_version`."""
    host = host_adapter()
    with transaction.atomic():
        current = lock_member(organization.pk, scim_id)
        check_version(current, expected_versions)
        membership = current.membership
        if current.active:
            set_active(host, current, False, actor)
        # The user leaves every group's ``members`` with its membership: each such group
        # is a new version, or a client holding its ETag would be told nothing changed.
        # (Its own organization's groups: what the update may read is the tenant's.)
        ScimGroup.objects.filter(
            organization_id=current.organization_id, member_links__scim_user=current
        ).update(version=F("version") + 1, last_modified=timezone.now())
        audit.record(Action.REMOVED, current, actor)
        announce(signals.user_removed, current, actor)
        host.remove_membership(membership)
