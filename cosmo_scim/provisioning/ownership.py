"""Whose account is it: the one rule for when an organization's IdP may change a person's
account, and when attaching an account needs the person's consent — decided in one call,
under the person's row lock, from what is read under it.

A person has one account (login email, names, password) and a membership per organization.
Several organizations may share the account, so none of them may rewrite it on its own:
an IdP that could change the login email of a person another organization also relies on
could send that person's next invitation to an address it controls and walk into the other
organization (docs/security.md, "Who can change what").

The rule, applied by the lifecycle service on every path (POST, PUT, PATCH): an
organization's IdP changes the account's login email and names only when

(a) its own provisioning created the account (:class:`~cosmo_scim.models.AccountOwner`) and
    nobody has used it yet — never accepted, no usable password, never signed in, no other
    organization's membership: correcting the address of an invitation; or
(b) the old and the new address are both in domains this organization has verified
    (:class:`~cosmo_scim.models.VerifiedDomain`): the answer Atlassian Guard, GitHub's
    managed users, Slack and WorkOS give;

and never onto an address another account has. Otherwise the change stays in this
organization's SCIM profile. An account this organization did not create is attached by a
membership that grants nothing until the person accepts the invitation (consent).

Lock order, the same everywhere: the person's account row first, then the membership and
its SCIM profile (provision locks the account before it creates anything; the user service
locks the SCIM user and its account in one statement, and nothing holds an account while it
waits for a SCIM user). A person who does not exist yet cannot be locked: two transactions
creating one address race to the host's unique constraint, and the loser decides again
with the winner's account (``lifecycle.provision``).

Nothing here tells the caller *why* an account was left alone: the audit trail's reason is
:data:`ACCOUNT_RULE` for every change rule (b) did not carry out — applied under (a) or
not — so neither it nor the SCIM response (the profile as written) shows whether an address
or a membership exists outside the organization. Only an address of another member of this
same organization is refused (:class:`EmailTaken`): that is the organization's own
information.
"""

from dataclasses import dataclass

from ..addresses import address_key
from ..host import HostAdapter, Membership, Organization, Person
from ..models import AccountOwner, Invitation, VerifiedDomain
from .user_profile import UserProfile

# The audit trail's reason for a change of the account's login email or names that no
# verified domain of the organization carried out. One wording whatever happened, so that
# the trail does not reveal what exists outside the organization.
ACCOUNT_RULE = (
    "The person's account (login email and names) follows this profile only while this "
    "organization's provisioning created it and nobody has used it, or when the old and new "
    "address are both in a domain this organization has verified, and never onto an address "
    "another account has; otherwise the change stays in this organization's profile."
)


class EmailTaken(Exception):
    """The new login email is another member's of this organization."""


@dataclass(frozen=True)
class Decision:
    """What to write, decided under the person's row lock."""

    # The locked account; None when there is none and provisioning creates one.
    person: Person | None = None
    # This organization's membership of the account, if it has one already.
    membership: Membership | None = None
    # A new membership of an account this organization did not create: it grants nothing
    # until the person accepts the invitation.
    consent: bool = False
    # The values for HostAdapter.project_person (email, given_name, family_name), or None
    # when the account stays as it is.
    account: dict[str, str] | None = None
    # The login address changes: the old password, sessions and invitation links end.
    moves_login: bool = False
    # The audit trail's reason ("" or ACCOUNT_RULE).
    reason: str = ""


def record_creation(person: Person, organization: Organization) -> None:
    """This organization's provisioning has just created ``person``'s account."""
    AccountOwner.objects.create(user_id=person.pk, organization_id=organization.pk)


def created_by(person: Person, organization: Organization) -> bool:
    """Did this organization's provisioning create the account?"""
    return AccountOwner.objects.filter(user_id=person.pk, organization_id=organization.pk).exists()


def needs_consent(person: Person, organization: Organization) -> bool:
    """Must the person accept before a membership of theirs here grants anything? Yes for
    an account this organization did not create: another organization's provisioning, a
    sign-up or an operator made it, and the person never agreed to join this one."""
    return not created_by(person, organization)


def decide_provision(
    host: HostAdapter, organization: Organization, profile: UserProfile, email: str
) -> Decision:
    """Lock the account at ``email`` (the profile's login address) and decide: create one
    (``person`` None), adopt this organization's hand-made membership, or attach with
    consent; and whether the IdP's names reach the account."""
    person = host.lock_person_with_email(email)
    if person is None:
        return Decision()
    membership = host.get_membership(organization, person)
    created = created_by(person, organization)
    account, moves, _ = _account_change(host, organization, person, profile, created, False)
    # No audit reason on a provisioning: whether the account existed must not show.
    return Decision(
        person=person,
        membership=membership,
        consent=membership is None and not created,
        account=account,
        moves_login=moves,
    )


def decide_update(
    host: HostAdapter,
    organization: Organization,
    person: Person,
    before: UserProfile,
    profile: UserProfile,
    *,
    accepted: bool,
) -> Decision:
    """Decide what a new profile does to the (locked) account of a member: ``before`` is
    the profile the organization had, ``accepted`` whether the member took up the
    membership. Raises :class:`EmailTaken`."""
    touched = (
        before.login_email() != profile.login_email()
        or before.given_name != profile.given_name
        or before.family_name != profile.family_name
    )
    if not touched:
        return Decision(person=person)
    created = created_by(person, organization)
    account, moves, reason = _account_change(host, organization, person, profile, created, accepted)
    return Decision(person=person, account=account, moves_login=moves, reason=reason)


def _account_change(
    host: HostAdapter,
    organization: Organization,
    person: Person,
    profile: UserProfile,
    created: bool,
    accepted: bool,
) -> tuple[dict[str, str] | None, bool, str]:
    """The rule of the module docstring: (values to write or None, moves the login, reason)."""
    old = host.person_email(person)
    new = profile.login_email() or old
    moves = address_key(new) != address_key(old)
    taken = False
    if moves:
        holder = host.find_person(new)
        if holder is not None and holder.pk != person.pk:
            taken = True
            # Asked first, whoever may change the account: the answer must not tell this
            # organization whether its member also belongs to another one.
            if host.get_membership(organization, holder) is not None:
                raise EmailTaken(f"The email {new} is the login of another member")
    by_domain = VerifiedDomain.objects.covers(organization, old, new)
    unused = (
        created
        and not accepted
        and not host.person_used(person)
        and not host.person_belongs_elsewhere(person, organization)
    )
    if taken or not (by_domain or unused):
        return None, False, ACCOUNT_RULE
    values = {"email": new, "given_name": profile.given_name, "family_name": profile.family_name}
    return values, moves, "" if by_domain else ACCOUNT_RULE


def invitation_reaches_login(host: HostAdapter, person: Person, invitation: Invitation) -> bool:
    """May the person accept ``invitation`` (asked under the account's lock)? Only while
    it went to the account's login address: a link mailed to an address the login has
    since left must not set the password of the account that left it."""
    return address_key(invitation.email) == address_key(host.person_email(person))
