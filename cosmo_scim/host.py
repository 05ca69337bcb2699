"""How cosmo_scim reaches the host product's people, memberships and teams.

The default adapter works with any host whose membership model has ``user``,
``organization``, ``is_active`` and ``role`` (a field with choices) fields, whose team model
has ``organization``, ``name`` and a ``members`` many-to-many to memberships, and whose user
model has an email login field (``get_user_model().EMAIL_FIELD``) and ``first_name`` /
``last_name``. A host with other
shapes subclasses :class:`HostAdapter` and names it in ``COSMO_SCIM["HOST_ADAPTER"]``
(the django-allauth adapter pattern).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Value
from django.db.models.functions import Lower
from django.shortcuts import resolve_url

from . import conf


def _people_with_email(email):
    """Accounts whose login email is ``email``, case-insensitively, written as
    ``LOWER(email) = LOWER(value)`` so a functional index on ``Lower(email)`` serves it
    (``__iexact`` compiles to ``UPPER(...)`` on PostgreSQL: a full scan of every account)."""
    user_model = get_user_model()
    return user_model._default_manager.alias(_email_ci=Lower(user_model.EMAIL_FIELD)).filter(
        _email_ci=Lower(Value(email))
    )


class HostAdapter:
    # -- the product's rules --------------------------------------------------------------

    def scim_allowed(self, organization):
        """May this organization provision over SCIM? The one plan check: the admin's key
        form, key rotation, ``create_api_key`` and every SCIM request ask it. Default: the
        organization's ``plan`` is ``"enterprise"``."""
        return getattr(organization, "plan", None) == "enterprise"

    def scim_refusal(self, organization):
        """The sentence an admin, the key command and a refused IdP read when
        :meth:`scim_allowed` says no. Name your plan here when you override the rule."""
        return f"SCIM provisioning is not part of {organization}'s plan."

    def role_for(self, organization, roles):
        """A member's role from the roles their mapped IdP groups give (a set, empty when no
        group of theirs is mapped): the highest of admin > developer > viewer, else viewer.

        Okta and Entra put a person in several groups at once (``Engineering`` and
        ``Admins``); the most privileged mapped group wins, and leaving every mapped group
        falls back to the least privileged role rather than keeping a stale one.
        """
        if not roles:
            return ROLE_RANKING[-1]

        def rank(role):
            return ROLE_RANKING.index(role) if role in ROLE_RANKING else len(ROLE_RANKING)

        return min(sorted(roles), key=rank)

    # -- people ---------------------------------------------------------------------------

    def find_person(self, email):
        """The existing account with this login email (case-insensitive), or None."""
        return _people_with_email(email).first()

    def create_person(self, *, email, given_name, family_name):
        """A new account that cannot log in until its invitation is accepted."""
        user_model = get_user_model()
        return user_model._default_manager.create_user(
            email, None, first_name=given_name, last_name=family_name
        )

    def project_person(self, person, *, email, given_name, family_name):
        """Copy the IdP's view of login email and names onto the account. Returns changed
        field names. Called only for an account the calling organization owns exclusively
        (``ownership.owns_account``), with an address no other account uses."""
        email_field = get_user_model().EMAIL_FIELD
        wanted = {email_field: email, "first_name": given_name, "last_name": family_name}
        changed = [name for name, value in wanted.items() if getattr(person, name) != value]
        for name in changed:
            setattr(person, name, wanted[name])
        if changed:
            person.save(update_fields=changed)
        return changed

    def person_email(self, person):
        """The address the person logs in with, where their invitation goes."""
        return getattr(person, get_user_model().EMAIL_FIELD)

    # -- memberships ----------------------------------------------------------------------

    def person_active_elsewhere(self, person, organization):
        """Does another organization hold an active membership of this person? (Then a
        deactivation here must not end the person's sessions: they are still working
        there.)"""
        return (
            conf.membership_model()
            ._default_manager.filter(user=person, is_active=True)
            .exclude(organization=organization)
            .exists()
        )

    def person_belongs_elsewhere(self, person, organization):
        """Does another organization hold any membership of this person — active,
        inactive or awaiting consent? (Then no organization owns the account alone.)"""
        return (
            conf.membership_model()
            ._default_manager.filter(user=person)
            .exclude(organization=organization)
            .exists()
        )

    def administered_organization_ids(self, person):
        """Ids of the organizations ``person`` administers: those where their membership is
        active and has the host's admin role. The Django admin scopes everything of
        cosmo_scim to these (cosmo_scim/admin/scope.py), so a host whose admin role is named
        or stored differently overrides this. One query; it runs on every admin request, so
        a SCIM deactivation or a role change takes effect on the very next one."""
        return set(
            conf.membership_model()
            ._default_manager.filter(user=person, is_active=True, role="admin")
            .values_list("organization_id", flat=True)
        )

    def get_membership(self, organization, person):
        return (
            conf.membership_model()
            ._default_manager.filter(organization=organization, user=person)
            .first()
        )

    def create_membership(self, organization, person, *, active):
        return conf.membership_model()._default_manager.create(
            organization=organization, user=person, is_active=active
        )

    def set_membership_active(self, membership, active):
        membership.is_active = active
        membership.save(update_fields=["is_active"])

    def remove_membership(self, membership):
        """Take the person out of the organization. The account itself stays."""
        membership.delete()

    def project_profile(self, membership, profile):
        """The IdP's whole description of this member (a
        :class:`~cosmo_scim.provisioning.user_profile.UserProfile`: phone numbers,
        addresses, title, the enterprise attributes…), for a host that keeps some of it in
        its own models. Called in the provisioning transaction whenever the SCIM profile is
        created or changes. It describes the *membership* — this organization's view of the
        person — so map it onto per-membership data; the shared account gets only the login
        email and names, through :meth:`project_person` and the ownership rule. The default
        keeps everything in the SCIM profile (``ScimUser``) alone."""

    def accepted_invitation_url(self, membership):
        """Where a person lands after accepting an invitation: the host's page for the
        organization. The default is the host's LOGIN_REDIRECT_URL."""
        return resolve_url(settings.LOGIN_REDIRECT_URL)

    def role_choices(self):
        """The host's roles as ``(value, label)`` pairs (offered by the role mapping admin)."""
        return list(conf.membership_model()._meta.get_field("role").choices)

    def set_roles(self, roles):
        """Give each membership its role: ``{membership_pk: role}``.

        One UPDATE per distinct role, so re-ranking a thousand members after one group
        change costs a handful of queries, not a thousand.
        """
        by_role = {}
        for membership_pk, role in roles.items():
            by_role.setdefault(role, []).append(membership_pk)
        manager = conf.membership_model()._default_manager
        for role, pks in by_role.items():
            manager.filter(pk__in=pks).exclude(role=role).update(role=role)

    # -- teams ----------------------------------------------------------------------------

    def create_team(self, organization, *, name):
        return conf.team_model()._default_manager.create(organization=organization, name=name)

    def rename_team(self, team, name):
        team.name = name
        team.save(update_fields=["name"])

    def delete_team(self, team):
        team.delete()

    def add_team_members(self, team, membership_pks):
        team.members.add(*membership_pks)

    def remove_team_members(self, team, membership_pks):
        team.members.remove(*membership_pks)


# Highest first. A role the ranking does not know ranks below all of them.
ROLE_RANKING = ("admin", "developer", "viewer")


def host_adapter():
    return conf.hook("HOST_ADAPTER")()
