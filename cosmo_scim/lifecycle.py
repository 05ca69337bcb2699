"""The lifecycle service: the one place that changes provisioning state.

The SCIM layer translates requests into these calls; everything that must hold together
(membership, SCIM profile, the person's account, revocations, invitations, the audit trail)
changes here, in one transaction, and a signal announces it. Receivers defer slow work with
``on_commit``.

Deactivation leaves no access window: in the transaction that switches the membership off,
the person's sessions end, the organization's API keys they created are revoked and their
outstanding invitation links stop working — all before the SCIM response goes out.
"""

from dataclasses import dataclass, field, fields

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from . import audit, invitations, sessions, signals
from .host import host_adapter
from .models import APIKey, AuditEvent, ScimUser, ScimUserEmail

Action = AuditEvent.Action


class LifecycleError(Exception):
    """A request the service refuses; the SCIM layer maps it to an error response."""


class UserNameTaken(LifecycleError):
    pass


class EmailTaken(LifecycleError):
    pass


class AlreadyProvisioned(LifecycleError):
    pass


@dataclass(frozen=True)
class Actor:
    """Who caused a change: the API key (never its secret), the request id, the address."""

    api_key: object = None
    request_id: str = ""
    remote_addr: str | None = None


@dataclass(frozen=True)
class Email:
    value: str
    type: str = ""
    primary: bool = False
    display: str = ""


@dataclass
class UserProfile:
    """The SCIM-owned description of a member, as the IdP last sent it."""

    user_name: str
    external_id: str | None = None
    given_name: str = ""
    family_name: str = ""
    formatted_name: str = ""
    display_name: str = ""
    title: str = ""
    locale: str = ""
    preferred_language: str = ""
    employee_number: str = ""
    department: str = ""
    manager_id: str = ""
    emails: list[Email] = field(default_factory=list)
    # None: the request did not say (a PUT without ``active`` keeps the current state).
    active: bool | None = None

    def login_email(self):
        """The address the person logs in with and is invited at: the primary email, else
        the first one, else a userName that is an address (Entra often sends only a UPN)."""
        ordered = sorted(self.emails, key=lambda email: not email.primary)
        if ordered:
            return ordered[0].value
        return self.user_name if "@" in self.user_name else None


# Profile fields stored as plain columns on ScimUser (emails and active are handled apart).
COLUMN_FIELDS = tuple(f.name for f in fields(UserProfile) if f.name not in ("emails", "active"))


def profile_of(scim_user):
    """The stored profile of a SCIM user (emails prefetched by the caller where possible)."""
    return UserProfile(
        **{name: getattr(scim_user, name) for name in COLUMN_FIELDS},
        emails=[
            Email(value=e.value, type=e.type, primary=e.primary, display=e.display)
            for e in scim_user.emails.all()
        ],
        active=scim_user.membership.is_active,
    )


def _user_name_taken(organization, user_name, exclude_pk=None):
    return (
        ScimUser.objects.filter(organization=organization)
        .alias(user_name_ci=Lower("user_name"))
        .filter(user_name_ci=user_name.lower())
        .exclude(pk=exclude_pk)
        .exists()
    )


def _save_emails(scim_user, emails):
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


def _project(host, person, organization, profile):
    """Copy login email and names onto the person's account — only while no other
    organization holds an active membership of them. Otherwise this IdP could change how a
    member of another organization logs in (account takeover)."""
    if host.person_active_elsewhere(person, organization):
        return []
    email = profile.login_email() or person.get_username()
    if host.email_taken_by_another_person(person, email):
        raise EmailTaken(f"The email {email} belongs to another account")
    return host.project_person(
        person, email=email, given_name=profile.given_name, family_name=profile.family_name
    )


def provision(organization, profile, actor):
    """Create the membership (and the person, if new) for a profile the IdP pushes."""
    host = host_adapter()
    email = profile.login_email()
    active = profile.active is not False
    if not email:
        raise LifecycleError("A user needs an email address (emails or an email userName)")
    try:
        with transaction.atomic():
            if _user_name_taken(organization, profile.user_name):
                raise UserNameTaken(profile.user_name)
            person = host.find_person(email)
            if person is None:
                person = host.create_person(
                    email=email, given_name=profile.given_name, family_name=profile.family_name
                )
            membership = host.get_membership(organization, person)
            adopted = membership is not None
            if not adopted:
                membership = host.create_membership(organization, person, active=active)
            else:
                # A member added by hand before SCIM was switched on: the IdP adopts them.
                if ScimUser.objects.filter(membership=membership).exists():
                    raise AlreadyProvisioned(
                        f"{email} is already provisioned here under another userName"
                    )
                host.set_membership_active(membership, active)
            now = timezone.now()
            scim_user = ScimUser.objects.create(
                organization=organization,
                membership=membership,
                created=now,
                last_modified=now,
                # Adopted members were in the organization already: nothing to accept.
                accepted_at=now if adopted else None,
                **{name: getattr(profile, name) for name in COLUMN_FIELDS},
            )
            _save_emails(scim_user, profile.emails)
            _project(host, person, organization, profile)
            if active and not adopted:
                invitations.create(scim_user, host.person_email(person))
            audit.record(Action.PROVISIONED, scim_user, actor, _initial_values(profile, active))
            signals.user_provisioned.send(
                sender=ScimUser,
                organization=organization,
                membership=membership,
                scim_user=scim_user,
                actor=actor,
            )
    except IntegrityError as exc:
        # Two concurrent POSTs of one userName: the database's unique index decides.
        raise UserNameTaken(profile.user_name) from exc
    return scim_user


def _locked(scim_user):
    """Re-read the SCIM user under a row lock so concurrent changes serialise."""
    return (
        ScimUser.objects.select_for_update(of=("self",))
        .select_related("membership", "organization")
        .get(pk=scim_user.pk)
    )


def update(scim_user, profile, actor):
    """Replace the profile; an ``active`` change deactivates or reactivates. Returns the
    changes as ``{field: (before, after)}``."""
    host = host_adapter()
    try:
        with transaction.atomic():
            current = _locked(scim_user)
            before = profile_of(current)
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
            if "user_name" in changes and _user_name_taken(
                current.organization_id, profile.user_name, current.pk
            ):
                raise UserNameTaken(profile.user_name)
            if changes:
                for name in COLUMN_FIELDS:
                    setattr(current, name, getattr(profile, name))
                current.last_modified = timezone.now()
                current.version += 1
                current.save()
                if "emails" in changes:
                    _save_emails(current, profile.emails)
                _project(host, current.membership.user, current.organization, profile)
                audit.record(Action.UPDATED, current, actor, changes)
                signals.user_updated.send(
                    sender=ScimUser,
                    organization=current.organization,
                    membership=current.membership,
                    scim_user=current,
                    actor=actor,
                    changes=changes,
                )
            if profile.active is not None and profile.active != before.active:
                changes["active"] = (before.active, profile.active)
                _set_active(host, current, profile.active, actor)
    except IntegrityError as exc:
        raise UserNameTaken(profile.user_name) from exc
    return changes


def _initial_values(profile, active):
    """A provisioning's audit changes: every field the IdP set, from nothing."""
    values = {name: (None, getattr(profile, name)) for name in COLUMN_FIELDS}
    values["emails"] = (None, [e.value for e in profile.emails])
    values["active"] = (None, active)
    return {name: change for name, change in values.items() if change[1] not in ("", None, [])}


def _end_access(scim_user):
    """Everything through which the person could still act for this organization."""
    membership = scim_user.membership
    person = membership.user
    sessions.end_all(person)
    APIKey.objects.revoke_created_by(scim_user.organization_id, person)
    invitations.revoke_pending(membership)


def _reinvite(host, scim_user):
    """A membership that was never taken up gets a fresh invitation on reactivation; the
    old links were revoked at deactivation (and are again here, in case)."""
    if scim_user.accepted_at is None:
        invitations.revoke_pending(scim_user.membership)
        invitations.create(scim_user, host.person_email(scim_user.membership.user))


def _set_active(host, scim_user, active, actor):
    """Switch the membership on or off and announce it. Callers hold the row lock."""
    host.set_membership_active(scim_user.membership, active)
    scim_user.last_modified = timezone.now()
    scim_user.version += 1
    scim_user.save(update_fields=["last_modified", "version"])
    if active:
        _reinvite(host, scim_user)
    else:
        _end_access(scim_user)
    audit.record(
        Action.REACTIVATED if active else Action.DEACTIVATED,
        scim_user,
        actor,
        {"active": (not active, active)},
    )
    signal = signals.user_reactivated if active else signals.user_deactivated
    signal.send(
        sender=ScimUser,
        organization=scim_user.organization,
        membership=scim_user.membership,
        scim_user=scim_user,
        actor=actor,
    )


def deactivate(scim_user, actor):
    """End the member's access now (Okta unassign, Entra disable)."""
    with transaction.atomic():
        current = _locked(scim_user)
        if current.membership.is_active:
            _set_active(host_adapter(), current, False, actor)


def reactivate(scim_user, actor):
    with transaction.atomic():
        current = _locked(scim_user)
        if not current.membership.is_active:
            _set_active(host_adapter(), current, True, actor)


def remove(scim_user, actor):
    """Take the member out of the organization (RFC 7644 §3.6 DELETE). The person's account
    and the audit trail stay; provisioning the userName again creates a fresh membership."""
    host = host_adapter()
    with transaction.atomic():
        current = _locked(scim_user)
        membership = current.membership
        organization = current.organization
        if membership.is_active:
            _set_active(host, current, False, actor)
        audit.record(Action.REMOVED, current, actor)
        signals.user_removed.send(
            sender=ScimUser,
            organization=organization,
            membership=membership,
            scim_user=current,
            actor=actor,
        )
        host.remove_membership(membership)
