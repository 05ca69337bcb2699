"""Whose account is it: the one rule for when an organization's IdP may change a person's
account, and when attaching an account needs the person's consent.

A person has one account (login email, names, password) and a membership per organization.
Several organizations may share the account, so none of them may rewrite it on its own:
an IdP that could change the login email of a person another organization also relies on
could send that person's next invitation, or a password reset, to an address it controls
and walk into the other organization (docs/security.md, "Who can change what").

The rule, applied by the lifecycle service on every path (POST, PUT, PATCH, reactivation):

- an organization **owns** an account exclusively while its provisioning created the
  account (:class:`~cosmo_scim.models.AccountOwner`) and the person belongs to no other
  organization — not active, not inactive, not awaiting consent;
- only then does the IdP's login email and names reach the account, and only to an address
  no other account uses. Otherwise the change stays in this organization's SCIM profile;
- an account this organization did not create is attached by a membership that grants
  nothing until the person accepts the invitation (consent).

Nothing here tells the caller *why* an account was left alone: whether an address or a
membership exists outside the organization must not show in any response (an oracle of
another tenant's people). Only an address of another member of this same organization is
refused (:class:`EmailTaken`): that is the organization's own information.
"""

from ..models import AccountOwner

# The audit trail's reason when the account was left as it was. One wording for every
# cause, so that the trail does not reveal, either, what exists outside the organization.
ACCOUNT_KEPT = (
    "The person's account (login email and names) was left unchanged: an organization "
    "changes it only when its provisioning created the account, the person belongs to no "
    "other organization and no other account uses the address."
)


class EmailTaken(Exception):
    """The new login email is another member's of this organization."""


def record_creation(person, organization):
    """This organization's provisioning has just created ``person``'s account."""
    AccountOwner.objects.create(user=person, organization=organization)


def created_by(person, organization):
    """Did this organization's provisioning create the account?"""
    return AccountOwner.objects.filter(user=person, organization=organization).exists()


def owns_account(host, person, organization):
    """Does this organization own the account exclusively (see the module docstring)?"""
    return created_by(person, organization) and not host.person_belongs_elsewhere(
        person, organization
    )


def needs_consent(person, organization):
    """Must the person accept before a membership of theirs here grants anything? Yes for
    an account this organization did not create: another organization's provisioning, a
    sign-up or an operator made it, and the person never agreed to join this one."""
    return not created_by(person, organization)


def sync_account(host, person, organization, profile):
    """Copy the profile's login email and names onto the account if this organization may.

    Returns None when the account now matches the profile, else :data:`ACCOUNT_KEPT` for
    the audit trail. Raises :class:`EmailTaken` when the address is the login of another
    member of this organization (the IdP can fix that within its own directory).
    """
    email = profile.login_email() or host.person_email(person)
    holder = host.find_person(email)
    taken = holder is not None and holder.pk != person.pk
    # Asked first, whoever owns the account: the answer must not tell this organization
    # whether its member also belongs to another one.
    if taken and host.get_membership(organization, holder) is not None:
        raise EmailTaken(f"The email {email} is the login of another member")
    if taken or not owns_account(host, person, organization):
        return ACCOUNT_KEPT
    host.project_person(
        person, email=email, given_name=profile.given_name, family_name=profile.family_name
    )
    return None
