"""How cosmo_scim reaches the host product's people, memberships and teams.

The default adapter works with the fields COSMO_SCIM names (``MEMBERSHIP_FIELDS``,
``TEAM_FIELDS``, ``PERSON_FIELDS``, host_fields.py), whose defaults fit Cosmo and Django's
stock ``auth.User`` alike: a membership with ``user``, ``organization``, ``is_active`` and
``role`` (a field with choices), a team with ``organization``, ``name`` and a ``members``
many-to-many to memberships, and a user model with an email (``EMAIL_FIELD``), a login
(``USERNAME_FIELD``: the email itself, or a username) and ``first_name`` / ``last_name``,
created by its manager's ``create_user``. A host with other shapes names its fields in
those settings, and where it needs more than fields, subclasses :class:`HostAdapter` and
names it in ``COSMO_SCIM["HOST_ADAPTER"]`` (the django-allauth adapter pattern).
"""

import re
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import Field, Model, QuerySet
from django.shortcuts import resolve_url

from . import conf
from .addresses import with_address
from .host_fields import (
    membership_field,
    membership_model_field,
    memberships,
    person_field,
    person_model_field,
    team_field,
)

if TYPE_CHECKING:
    from .provisioning.user_profile import UserProfile

# The host's models as cosmo_scim sees them: it knows them only through COSMO_SCIM, so an
# adapter's methods receive and return instances of the host's own classes, typed here
# by the part each plays. A key is the model's primary key value, of whatever type the
# host's key field has (int, UUID, str).
Organization: TypeAlias = Model
Membership: TypeAlias = Model
Person: TypeAlias = Model
Team: TypeAlias = Model
Key: TypeAlias = Any


def _save_field(instance: Model, field: str, value: Any) -> None:
    """Set one field of a host row and write that field alone, so that a concurrent change of
    its other fields is not overwritten."""
    setattr(instance, field, value)
    instance.save(update_fields=[field])


def _people_with_email(email: str) -> "QuerySet[Any]":
    """Accounts whose login email is ``email`` by the one address rule (addresses.py), the
    same comparison the host's unique constraint and login make, so a functional index on
    the login's address key serves it."""
    user_model = get_user_model()
    return with_address(user_model._default_manager.all(), person_field("email"), email)


class HostAdapter:
    # -- the product's rules --------------------------------------------------------------

    def scim_allowed(self, organization: Organization) -> bool:
        """May this organization provision over SCIM? The one plan check: the admin's key
        form, key rotation, ``create_api_key`` and every SCIM request ask it. Default: every
        organization may; a product that sells SCIM with some plans only overrides this
        (Cosmo's adapter allows its Enterprise plan)."""
        return True

    def scim_refusal(self, organization: Organization) -> str:
        """The sentence an admin, the key command and a refused IdP read when
        :meth:`scim_allowed` says no. Name your plan here when you override the rule."""
        return f"{organization} may not use SCIM provisioning."

    def role_for(self, organization: Organization, roles: set[str]) -> str:
        """A member's role from the roles their mapped IdP groups give (a set, empty when no
        group of theirs is mapped). Default: the most privileged of them, ranked by the order
        of the membership role field's choices (most privileged first, as Django lists
        ``TextChoices``); with none mapped, the role field's default (checked at startup:
        ``cosmo_scim.E008``).

        Okta and Entra put a person in several groups at once (``Engineering`` and
        ``Admins``); the most privileged mapped group wins, and leaving every mapped group
        falls back to the default role rather than keeping a stale one. A role the choices do
        not list ranks below all of them.
        """
        if not roles:
            return default_role()
        ranking = [value for value, _ in self.role_choices()]

        def rank(role: str) -> int:
            return ranking.index(role) if role in ranking else len(ranking)

        return min(sorted(roles), key=rank)

    # -- people ---------------------------------------------------------------------------

    def find_person(self, email: str) -> Person | None:
        """The existing account with this email (case-insensitive: addresses.py), or None.
        Where the host's emails are not unique (Django's ``auth.User``), the oldest such
        account: the same one every time, and attaching it still needs the person's consent
        (provisioning/ownership.py), given through the invitation sent to that address."""
        return _people_with_email(email).order_by("pk").first()

    def lock_person_with_email(self, email: str) -> Person | None:
        """:meth:`find_person`, with the account's row locked until the transaction ends
        (``SELECT … FOR UPDATE``): provisioning decides whether to attach it from what it
        reads under this lock (provisioning/ownership.py). On PostgreSQL a row whose
        address another transaction has just moved away is not returned: the lock waits
        for that transaction and checks the address again."""
        return _people_with_email(email).select_for_update().order_by("pk").first()

    def lock_person(self, person: Person) -> Person:
        """The account re-read under a row lock (the caller holds the transaction)."""
        return cast(Person, get_user_model()._default_manager.select_for_update().get(pk=person.pk))

    def person_used(self, person: Person) -> bool:
        """Has anybody used this account: is there a password that signs in, or has it
        ever signed in? (An IdP may correct the address of an account nobody has used,
        provisioning/ownership.py.) Default: Django's ``has_usable_password`` and
        ``last_login``."""
        account = cast(AbstractBaseUser, person)
        return account.has_usable_password() or account.last_login is not None

    def end_password(self, person: Person) -> None:
        """Make the account's password unusable: its login address has just been changed
        by an IdP, and the person sets a new one through the invitation sent there."""
        cast(AbstractBaseUser, person).set_unusable_password()
        person.save(update_fields=["password"])

    def create_person(self, *, email: str, given_name: str, family_name: str) -> Person:
        """A new account that cannot log in until its invitation is accepted.

        Created by the user model's ``create_user`` with keyword arguments only, so it fits
        a manager whose first argument is the email (Cosmo's) as well as one whose first
        argument is a username (``auth.User``: ``create_user(username, email, password)``).
        A user model that logs in with something other than the email gets a login from
        :meth:`new_login`."""
        values = {
            person_field("email"): email,
            person_field("given_name"): given_name,
            person_field("family_name"): family_name,
        }
        login = person_field("login")
        if login not in values:
            values[login] = self.new_login(email)
        manager: Any = get_user_model()._default_manager
        return cast(Person, manager.create_user(password=None, **values))

    def new_login(self, email: str) -> str:
        """The login (``USERNAME_FIELD``) of a new account of a user model that does not log
        in with its email: the address itself while the field accepts it and no account
        has it, else the address's local part with a random suffix — never a value that
        collides with an existing login, so provisioning an address that an account once
        had (or has as its username) creates the account instead of hitting the host's
        unique constraint."""
        if self._login_available(email):
            return email
        field = person_model_field("login")
        suffix = "-" + secrets.token_hex(4)
        room = (field.max_length or 150) - len(suffix)
        base = re.sub(r"[^\w.+-]", "", email.split("@")[0])[:room] or "user"
        return base + suffix

    def _login_available(self, value: str, person: Person | None = None) -> bool:
        """Would ``value`` be a valid, unused login (for ``person``, or a new account)?"""
        user_model = get_user_model()
        field = person_model_field("login")
        if field.max_length and len(value) > field.max_length:
            return False
        try:
            field.run_validators(value)
        except ValidationError:
            return False
        holders = user_model._default_manager.filter(**{field.name: value})
        if person is not None:
            holders = holders.exclude(pk=person.pk)
        return not holders.exists()

    def project_person(
        self, person: Person, *, email: str, given_name: str, family_name: str
    ) -> list[str]:
        """Copy the IdP's view of login email and names onto the account. Returns changed
        field names. Called only when the calling organization may change the account
        (``ownership.decide``), with an address no other account uses.

        A username-login account whose username is its email address (as :meth:`new_login`
        made it) keeps the two together: its username follows the new address, so the old
        address is free again for an account of its own."""
        email_field = person_field("email")
        wanted = {
            email_field: email,
            person_field("given_name"): given_name,
            person_field("family_name"): family_name,
        }
        login = person_field("login")
        old_email = getattr(person, email_field)
        if (
            login not in wanted
            and old_email != email
            and getattr(person, login) == old_email
            and self._login_available(email, person)
        ):
            wanted[login] = email
        changed = [name for name, value in wanted.items() if getattr(person, name) != value]
        for name in changed:
            setattr(person, name, wanted[name])
        if changed:
            person.save(update_fields=changed)
        return changed

    def person_max_length(self, part: str) -> int | None:
        """The most characters the account's ``part`` (``email``, ``given_name``,
        ``family_name``) holds: its column's length, None when unbounded. SCIM bounds the
        values it copies onto an account by it (scim/user_attributes.py), so a name longer
        than the account's column is a 400 for every request — not a database error only
        where the account is new. A host keeping names elsewhere overrides it."""
        return person_model_field(part).max_length

    def person_email(self, person: Person) -> str:
        """The address the person logs in with, where their invitation goes."""
        return cast(str, getattr(person, person_field("email")))

    # -- memberships ----------------------------------------------------------------------

    def person_active_elsewhere(self, person: Person, organization: Organization | Key) -> bool:
        """Does another organization hold an active membership of this person? (Then a
        deactivation here must not end the person's sessions: they are still working
        there.) ``organization``: an organization or its id."""
        return (
            memberships(person=person, active=True)
            .exclude(**{membership_field("organization"): organization})
            .exists()
        )

    def person_belongs_elsewhere(self, person: Person, organization: Organization | Key) -> bool:
        """Does another organization hold any membership of this person — active,
        inactive or awaiting consent? (Then no organization owns the account alone.)"""
        return (
            memberships(person=person)
            .exclude(**{membership_field("organization"): organization})
            .exists()
        )

    def administered_organization_ids(self, person: Person) -> set[Key]:
        """Ids of the organizations ``person`` administers. Default: those where their
        membership is active and has the most privileged role, the first of the role field's
        choices. The Django admin scopes everything of cosmo_scim to these
        (cosmo_scim/admin/scope.py), so a host whose admin role is named or stored otherwise
        overrides this. One query; it runs on every admin request, so a SCIM deactivation or
        a role change takes effect on the very next one."""
        top_role = self.role_choices()[0][0]
        return set(
            memberships(person=person, active=True, role=top_role).values_list(
                membership_field("organization"), flat=True
            )
        )

    def get_membership(self, organization: Organization, person: Person) -> Membership | None:
        return memberships(organization=organization, person=person).first()

    def create_membership(
        self, organization: Organization, person: Person, *, active: bool
    ) -> Membership:
        return conf.membership_model()._default_manager.create(
            **{
                membership_field("organization"): organization,
                membership_field("person"): person,
                membership_field("active"): active,
            }
        )

    def set_membership_active(self, membership: Membership, active: bool) -> None:
        _save_field(membership, membership_field("active"), active)

    def remove_membership(self, membership: Membership) -> None:
        """Take the person out of the organization. The account itself stays."""
        membership.delete()

    def project_profile(self, membership: Membership, profile: "UserProfile") -> None:
        """The IdP's whole description of this member (a
        :class:`~cosmo_scim.provisioning.user_profile.UserProfile`: phone numbers,
        addresses, title, the enterprise attributes…), for a host that keeps some of it in
        its own models. Called in the provisioning transaction whenever the SCIM profile is
        created or changes. It describes the *membership* — this organization's view of the
        person — so map it onto per-membership data; the shared account gets only the login
        email and names, through :meth:`project_person` and the ownership rule. The default
        keeps everything in the SCIM profile (``ScimUser``) alone."""

    def accepted_invitation_url(self, membership: Membership) -> str:
        """Where a person lands after accepting an invitation: the host's page for the
        organization. The default is the host's LOGIN_REDIRECT_URL."""
        return resolve_url(settings.LOGIN_REDIRECT_URL)

    def sso_signed_in_url(self, membership: Membership) -> str:
        """Where a person lands after signing in through their organization's SSO
        connection (when the sign-in did not start from a page of the product): by default
        where an accepted invitation lands, the host's page for the organization."""
        return self.accepted_invitation_url(membership)

    def role_choices(self) -> list[tuple[str, str]]:
        """The host's roles as ``(value, label)`` pairs, most privileged first (offered by
        the role mapping admin, and ranked in this order by :meth:`role_for`)."""
        return list(role_field().flatchoices)

    def set_roles(self, roles: dict[Key, str]) -> None:
        """Give each membership its role: ``{membership_pk: role}``.

        One UPDATE per distinct role, so re-ranking a thousand members after one group
        change costs a handful of queries, not a thousand.
        """
        by_role: dict[str, list[Key]] = {}
        for membership_pk, role in roles.items():
            by_role.setdefault(role, []).append(membership_pk)
        manager = conf.membership_model()._default_manager
        field = membership_field("role")
        for role, pks in by_role.items():
            manager.filter(pk__in=pks).exclude(**{field: role}).update(**{field: role})

    # -- teams ----------------------------------------------------------------------------

    def create_team(self, organization: Organization, *, name: str) -> Team:
        return conf.team_model()._default_manager.create(
            **{team_field("organization"): organization, team_field("name"): name}
        )

    def rename_team(self, team: Team, name: str) -> None:
        _save_field(team, team_field("name"), name)

    def delete_team(self, team: Team) -> None:
        team.delete()

    def add_team_members(self, team: Team, membership_pks: Iterable[Key]) -> None:
        getattr(team, team_field("members")).add(*membership_pks)

    def remove_team_members(self, team: Team, membership_pks: Iterable[Key]) -> None:
        getattr(team, team_field("members")).remove(*membership_pks)


def role_field() -> "Field[Any, Any]":
    """The membership's role field (``MEMBERSHIP_FIELDS["role"]``)."""
    return membership_model_field("role")


def default_role() -> str:
    """The role a member gets when no mapped IdP group gives one: the role field's
    default."""
    return cast(str, role_field().get_default())


def host_adapter() -> HostAdapter:
    """An instance of the host's adapter (``COSMO_SCIM["HOST_ADAPTER"]``)."""
    return cast(HostAdapter, conf.hook("HOST_ADAPTER")())
