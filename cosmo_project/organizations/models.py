"""Tenants and who belongs to them.

A person (accounts.User) can belong to several organizations; each belonging is a
Membership with its own role and active flag, so one organization can switch a person off
without touching their access elsewhere. Teams group memberships inside one organization.
"""

from typing import NamedTuple

from django.conf import settings
from django.db import models
from django.db.models import Q


class Organization(models.Model):
    class Plan(models.TextChoices):
        FREE = "free", "Free"
        TEAM = "team", "Team"
        ENTERPRISE = "enterprise", "Enterprise"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    plan = models.CharField(max_length=20, choices=Plan.choices, default=Plan.FREE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)

    def __str__(self):
        return self.name


class MembershipQuerySet(models.QuerySet):
    def shown_in_organization(self):
        """The memberships an organization's own pages and API list.

        Not one its IdP provisioned that the person has not taken up (never accepted the
        invitation): it awaits the person's consent when the account existed, its
        invitation when provisioning made the account, and showing one but not the other
        would tell the organization whether the address has an account elsewhere
        (cosmo_scim's consent rule, docs/security.md). The SCIM profiles and their emails
        come along, for :attr:`Membership.shown`.
        """
        return (
            self.filter(Q(scim_user__isnull=True) | Q(scim_user__accepted_at__isnull=False))
            .select_related("user", "scim_user")
            .prefetch_related("scim_user__emails")
        )


class Shown(NamedTuple):
    email: str
    first_name: str
    last_name: str

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        DEVELOPER = "developer", "Developer"
        VIEWER = "viewer", "Viewer"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        max_length=20,
        choices=Role.choices,
        default=Role.VIEWER,
        help_text="For a member provisioned by SCIM the role follows the organization's "
        "IdP group role mappings: a manual change is overwritten at the next group sync.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("user", "organization"), name="organizations_membership_unique"
            ),
        ]

    def __str__(self):
        return f"{self.user} in {self.organization} ({self.role})"

    @property
    def shown(self):
        """The member as this organization knows them: its IdP's SCIM profile where SCIM
        provisioned them — the account is shared, and its names and login may be what
        another organization set — else the account."""
        scim_user = getattr(self, "scim_user", None)
        if scim_user is None:
            return Shown(self.user.email, self.user.first_name, self.user.last_name)
        return Shown(scim_user.login_email() or "", scim_user.given_name, scim_user.family_name)


class Team(models.Model):
    """A group of an organization's members.

    Teams provisioned by the organization's identity provider (SCIM Groups) are kept in
    step with it by cosmo_scim; deleting such a team here also unlinks the SCIM group.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=255)
    members = models.ManyToManyField(Membership, related_name="teams", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)

    def __str__(self):
        return self.name
