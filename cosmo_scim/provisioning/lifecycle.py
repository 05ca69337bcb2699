"""The lifecycle service: the one place that changes provisioning state.

The SCIM layer translates requests into these calls; everything that must hold together
(membership, SCIM profile, the person's account, revocations, invitations, the audit trail)
changes here, in one transaction, and a signal announces it. Receivers defer slow work with
``on_commit``.

Deactivation leaves no access window: in the transaction that switches the membership off,
the organization's API keys the person created are revoked, their outstanding invitation
links stop working and — when the membership granted access and no other organization
still has them active — their sessions end, all before the SCIM response goes out. Whether
the IdP may change the person's *account*, and whether a new membership needs the person's
consent, is ownership.py's rule.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .. import conf, host_fields, invitations, signals
from ..addresses import address_key, with_address
from ..host import host_adapter
from ..host_fields import is_active, membership_path, organization_id_of, person_of
from ..models import APIKey, AuditEvent, ScimGroup, ScimUser, ScimUserEmail
from . import audit, ownership, sessions
from .refusals import host_refused, user_name_taken
from .user_profile import COLUMN_FIELDS, profile_of
from .user_reads import with_emails_and_groups

Action = AuditEvent.Action


class LifecycleError(Exception):
    """A request the service refuses; the SCIM layer maps it to an error response."""


class UserNameTaken(LifecycleError):
    pass


class AlreadyProvisioned(LifecycleError):
    pass


class VersionMismatch(LifecycleError):
    """The caller expected another version of the resource than the one it would change
    (a SCIM If-Match, RFC 7644 §3.14)."""


# The new login email is another member's of this organization (ownership.sync_account).
EmailTaken = ownership.EmailTaken


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


def _save_emails(scim_user, emails, *, replace):
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


def _email_holder(organization, email):
    """The userName of the organization's SCIM user that already has ``email``, or None. A
    login email belongs to one member, and the organization's own profiles decide it: asked
    before any account is looked up, the answer cannot depend on what exists outside the
    organization (an account elsewhere, or the login an ownership rule kept)."""
    return (
        with_address(
            ScimUserEmail.objects.filter(scim_user__organization=organization), "value", email
        )
        .values_list("scim_user__user_name", flat=True)
        .first()
    )


def no_email_refusal(profile):
    """Why a profile without an address cannot be provisioned, naming what the IdP has to
    map: people are invited by email, so one is required. authentik's default mapping sends
    ``emails: []`` and its username for a user without an email (docs/idp-dialects.md#authentik);
    the sentence says which attribute to fill and which value fell short."""
    return (
        f"userName {profile.user_name[:100]!r} has no email address to invite: map the "
        'person\'s email to emails[type eq "work"].value (or send an email address as '
        "userName): members are invited by email."
    )


def provision(organization, profile, actor):
    """Create the membership (and the person, if new) for a profile the IdP pushes: lock
    the account at the profile's address, decide (ownership.decide_provision), write.

    A person who does not exist yet cannot be locked: when two transactions create an
    account at one address, the host's unique constraint refuses the second, and it runs
    once more, now attaching the winner's account under its lock."""
    email = profile.login_email()
    if not email:
        raise LifecycleError(no_email_refusal(profile))
    for attempt in (1, 2):
        creating = []
        try:
            with transaction.atomic():
                return _provision(organization, profile, actor, creating)
        except IntegrityError as exc:
            # Two concurrent POSTs of one userName: the database's unique index decides.
            if user_name_taken(organization, profile.user_name):
                raise UserNameTaken(profile.user_name) from exc
            if attempt == 1 and creating and host_adapter().find_person(email) is not None:
                continue  # lost the race for a new account at this address: attach it
            # Any other constraint is the host's, not the IdP's duplicate (refusals.py).
            raise host_refused(exc, "user", organization) from exc


def _provision(organization, profile, actor, creating):
    host = host_adapter()
    email = profile.login_email()
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
    decision = ownership.decide_provision(host, organization, profile)
    person = decision.person
    if person is None:
        creating.append(email)
        person = host.create_person(
            email=email, given_name=profile.given_name, family_name=profile.family_name
        )
        ownership.record_creation(person, organization)
    return _join(host, organization, profile, actor, decision, person)


def _join(host, organization, profile, actor, decision, person):
    """Write what ``decision`` says for a POST: the membership (new, adopted or awaiting
    consent), the SCIM profile, the account, the invitation, the audit event, the signal."""
    active = profile.active is not False
    new_person = decision.person is None
    membership = decision.membership
    adopted = membership is not None
    consent = decision.consent
    if not adopted:
        membership = host.create_membership(organization, person, active=active and not consent)
    else:
        # A member added by hand before SCIM was switched on: the IdP adopts them.
        if ScimUser.objects.filter(membership=membership).exists():
            raise AlreadyProvisioned(
                f"{profile.login_email()} is already provisioned here under another userName"
            )
        host.set_membership_active(membership, active)
    now = timezone.now()
    scim_user = ScimUser.objects.create(
        organization=organization,
        membership=membership,
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
    _announce(signals.user_provisioned, scim_user, actor, invitation=invitation)
    return scim_user


def _write_account(host, scim_user, decision):
    """Copy what ``decision`` allows onto the (locked) account. A login address an IdP
    moves takes the password, the sessions and this membership's invitation links with
    it: the person sets a new password through an invitation sent to the new address.
    Returns that invitation, or None."""
    if decision.account is None:
        return None
    person = decision.person
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
    if person.has_usable_password():
        host.end_password(person)
    sessions.end(sessions.keys_of(person))
    invitations.revoke_pending(scim_user.membership)
    if is_active(scim_user.membership) or scim_user.consent_pending:
        return invitations.create(scim_user, host.person_email(person))
    return None


def _locked(organization_id, scim_id):
    """The SCIM user and the person's account, read once and locked in one statement so
    concurrent changes serialise (ownership.py's lock order), with its emails and groups.
    Raises ScimUser.DoesNotExist when the organization has no such user."""
    person = membership_path("person")
    return with_emails_and_groups(
        ScimUser.objects.select_for_update(of=("self", person)).select_related(
            person, "organization"
        )
    ).get(organization_id=organization_id, scim_id=scim_id)


def _link_to_key(scim_user, actor):
    """Record the key through which the IdP just acted on this member: the member's IdP link,
    which the orphaned access report checks. Callers hold the row lock; one UPDATE, and only
    when the key is a different one (after a switch of IdP, for example)."""
    api_key = actor.api_key
    if api_key is not None and scim_user.idp_key_id != api_key.pk:
        scim_user.idp_key = api_key
        ScimUser.objects.filter(pk=scim_user.pk).update(idp_key=api_key)


def update(organization, scim_id, change, actor, *, expected_versions=None):
    """Apply a new profile to the organization's user ``scim_id``; an ``active`` change
    deactivates or reactivates.

    ``change`` is the new :class:`~.user_profile.UserProfile` (PUT), or a pure function from
    the current, locked ScimUser to it (PATCH: the operations must apply to the row as it
    is under the lock, or two concurrent PATCHes lose one of their changes).
    ``expected_versions``: see :func:`check_version`. Returns the updated ScimUser, with
    ``email_rows`` and ``group_rows`` as they were before the change.
    """
    host = host_adapter()
    profile = None
    try:
        with transaction.atomic():
            current = _locked(organization.pk, scim_id)
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
                _announce(
                    signals.user_updated, current, actor, changes=changes, invitation=invitation
                )
            if profile.active is not None and profile.active != before.active:
                changes["active"] = (before.active, profile.active)
                _set_active(host, current, profile.active, actor)
    except IntegrityError as exc:
        if profile is not None and user_name_taken(organization, profile.user_name, scim_id):
            raise UserNameTaken(profile.user_name) from exc
        raise host_refused(exc, "user update", organization) from exc
    return current


def _announce(signal, scim_user, actor, **extra):
    """Send a user signal with the arguments every receiver can rely on (signals.py)."""
    signal.send(
        sender=ScimUser,
        organization=scim_user.organization,
        membership=scim_user.membership,
        scim_user=scim_user,
        actor=actor,
        **extra,
    )


def _initial_values(profile, active):
    """A provisioning's audit changes: every field the IdP set, from nothing."""
    values = {name: (None, getattr(profile, name)) for name in COLUMN_FIELDS}
    values["emails"] = (None, [e.value for e in profile.emails])
    values["active"] = (None, active)
    return {name: change for name, change in values.items() if change[1] not in ("", None, [])}


def _end_access(host, membership, actor, *, granted):
    """Everything through which the person could still act for this organization: its
    keys they created, its invitation links, its pages and admin (the host checks the
    membership on every request). Their sessions end too — but only when the membership
    ``granted`` access (it was active, not awaiting consent) and no other organization
    still has them active: an organization must not log out a person it never had, nor
    one who is working in another organization. Their browsers are then told, on the
    login page, which organization ended their access and whether its IdP or an admin did
    (sessions.py)."""
    person = person_of(membership)
    organization_id = organization_id_of(membership)
    session_keys = sessions.keys_of(person) if granted else []
    if session_keys and not host.person_active_elsewhere(person, organization_id):
        organization = getattr(membership, host_fields.membership_field("organization"))
        by = "idp" if actor.api_key is not None else "admin"
        sessions.end(session_keys, {"organization": str(organization), "by": by})
    APIKey.objects.revoke_created_by(organization_id, person)
    invitations.revoke_pending(membership)


def _reinvite(host, scim_user):
    """A membership that was never taken up gets a fresh invitation on reactivation; the
    old links were revoked at deactivation (and are again here, in case). The invitation
    goes to the account's login email, never to an address only the IdP has set."""
    if scim_user.accepted_at is None:
        invitations.revoke_pending(scim_user.membership)
        return invitations.create(scim_user, host.person_email(person_of(scim_user.membership)))
    return None


def _set_active(host, scim_user, active, actor, reason=""):
    """Switch the membership on or off and announce it. Callers hold the row lock.

    A membership never taken up whose account this organization did not create is not
    switched on: it awaits the person's consent again (``consent_pending``)."""
    membership = scim_user.membership
    granted = is_active(membership)
    consent = (
        active
        and scim_user.accepted_at is None
        and ownership.needs_consent(person_of(membership), scim_user.organization)
    )
    if granted != (active and not consent):
        host.set_membership_active(membership, active and not consent)
    scim_user.consent_pending = consent
    scim_user.last_modified = timezone.now()
    scim_user.version += 1
    scim_user.save(update_fields=["last_modified", "version", "consent_pending"])
    invitation = None
    if active:
        invitation = _reinvite(host, scim_user)
        if invitation is not None and invitation.next_attempt_at is not None:
            reason = reason or invitation.last_error  # held back (invitations.create)
    else:
        _end_access(host, membership, actor, granted=granted)
    audit.record(
        Action.REACTIVATED if active else Action.DEACTIVATED,
        scim_user,
        actor,
        {"active": (not active, active)},
        reason,
    )
    if active:
        _announce(signals.user_reactivated, scim_user, actor, invitation=invitation)
    else:
        _announce(signals.user_deactivated, scim_user, actor)


def remove(organization, scim_id, actor, *, expected_versions=None):
    """Take the member out of the organization (RFC 7644 §3.6 DELETE). The person's account
    and the audit trail stay; provisioning the userName again creates a fresh membership.
    ``expected_versions``: see :func:`check_version`."""
    host = host_adapter()
    with transaction.atomic():
        current = _locked(organization.pk, scim_id)
        check_version(current, expected_versions)
        membership = current.membership
        if current.active:
            _set_active(host, current, False, actor)
        # The user leaves every group's ``members`` with its membership: each such group
        # is a new version, or a client holding its ETag would be told nothing changed.
        # (Its own organization's groups: what the update may read is the tenant's.)
        ScimGroup.objects.filter(
            organization_id=current.organization_id, member_links__scim_user=current
        ).update(version=F("version") + 1, last_modified=timezone.now())
        audit.record(Action.REMOVED, current, actor)
        _announce(signals.user_removed, current, actor)
        host.remove_membership(membership)


def deactivate_membership(membership, actor, reason):
    """End a member's access on an administrator's decision, whether or not the IdP manages
    them: the orphaned access review (admin and ``manage.py scim_orphans``).

    A provisioned member goes through the same deactivation as an IdP's ``active: false``;
    a member added by hand has no SCIM profile, so the membership is switched off directly,
    with the same revocations and audit event, and the same signal is sent with
    ``scim_user=None``. The audit event names the actor and the reason. Returns whether
    anything changed (False for a membership that was inactive already). Either way the IdP
    is not told: if it still assigns the person, its next update reactivates them, which is
    why the report is reviewed rather than acted on blindly.
    """
    host = host_adapter()
    with transaction.atomic():
        scim_user = ScimUser.objects.filter(membership_id=membership.pk).first()
        if scim_user is not None:
            current = _locked(scim_user.organization_id, scim_user.scim_id)
            if not current.active:
                return False
            _set_active(host, current, False, actor, reason)
            return True
        locked = (
            conf.membership_model()
            ._default_manager.select_for_update()
            .select_related(
                host_fields.membership_field("organization"),
                host_fields.membership_field("person"),
            )
            .get(pk=membership.pk)
        )
        if not is_active(locked):
            return False
        host.set_membership_active(locked, False)
        _end_access(host, locked, actor, granted=True)
        audit.record_unprovisioned(
            Action.DEACTIVATED,
            locked,
            host.person_email(person_of(locked)),
            actor,
            {"active": (True, False)},
            reason,
        )
        signals.user_deactivated.send(
            sender=ScimUser,
            organization=getattr(locked, host_fields.membership_field("organization")),
            membership=locked,
            scim_user=None,
            actor=actor,
        )
        return True
