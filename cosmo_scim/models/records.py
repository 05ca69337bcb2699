"""What provisioning keeps beside the resources: whose account is whose, invitations,
the audit trail, the session index and role mappings."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .. import conf
from ..addresses import AddressKey
from .columns import organization_key, person_named, tenant_index, unique_in_tenant
from .keys import APIKey


class AccountOwner(models.Model):
    """The organization whose provisioning created a person's account.

    A person's account (login email, names, password) is shared by every organization they
    belong to. Having created it lets an organization's IdP correct it while nobody has
    used it (never accepted, no usable password, never signed in, no other organization's
    membership), and spares the person a consent step when that organization provisions
    them again (provisioning/ownership.py; beyond that, verified domains decide). Kept
    apart from ScimUser so that it outlives a SCIM DELETE. An account without a row (a
    sign-up, an operator, one made before this table existed) was created by no
    organization: only a verified domain lets an IdP change it.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    organization = organization_key("+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "account owner"

    def __str__(self) -> str:
        return f"{self.user} (created by {self.organization})"


class Invitation(models.Model):
    """The email that lets a provisioned person take up their membership.

    Only the SHA-256 of the token is stored, and the token itself is drawn when the email is
    sent (see invitations.py): it exists in the email and nowhere else — not in the
    database, the broker message or a log.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"
        FAILED = "failed", "Failed"
        # The mail server failed while receiving it: it may or may not have gone out, so it
        # is never sent again automatically (provisioning/invitation_delivery.py).
        UNCONFIRMED = "unconfirmed", "May not have gone out"

    organization = organization_key("invitations")
    # SET_NULL: a SCIM DELETE removes the membership; the invitation's history stays.
    membership = models.ForeignKey(
        conf.get("MEMBERSHIP_MODEL"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations",
    )
    email = models.EmailField(max_length=254)
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    # Set by the one sender that claimed the invitation, before it talks to SMTP: a second
    # sender sees the claim and stands down (exactly once).
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Set by the claimant just before it hands the message to the mail server: before it, a
    # failure proves nothing was sent; after it, the server may have accepted the message.
    transmit_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # After a try that provably sent nothing (the mail server was unreachable or refused):
    # when the task or the sweep tries again.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    send_attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The sweep's question: which pending invitations have not gone out?
            models.Index(fields=("status", "sent_at"), name="cosmo_scim_invite_unsent"),
            # And which have expired? Only pending ones are asked about: the index holds
            # them alone, not the accepted, revoked and expired millions.
            models.Index(
                fields=("expires_at",),
                condition=models.Q(status="pending"),
                name="cosmo_scim_invite_expiry",
            ),
            # How many invitations has the organization sent this address lately? Asked
            # before each new one (invitations.create, INVITATION_ADDRESS_LIMIT).
            models.Index(
                models.F("organization"), AddressKey("email"), name="cosmo_scim_invite_address"
            ),
            # The provisioning overview's count of an organization's invitations by state.
            tenant_index("cosmo_scim_invite_state", "status"),
            # An organization's invitations in the admin, newest first: the page is the
            # first entries of its range (admin/scoped_admin.py, OrganizationChangeList).
            tenant_index("cosmo_scim_invite_page", "-id"),
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.organization}"


class AuditEvent(models.Model):
    """One provisioning state change, written in the transaction that made it.

    Key, membership and userName are copied, not only referenced: the trail must still
    read right after the key is revoked or the membership removed. A change an admin or a
    command made (an orphaned access review) names them in ``actor_name`` instead of a
    key, with the ``reason`` they gave.
    """

    class Action(models.TextChoices):
        PROVISIONED = "provisioned", "Provisioned"
        UPDATED = "updated", "Updated"
        DEACTIVATED = "deactivated", "Deactivated"
        REACTIVATED = "reactivated", "Reactivated"
        REMOVED = "removed", "Removed"
        ACCEPTED = "accepted", "Invitation accepted"
        GROUP_CREATED = "group_created", "Group created"
        GROUP_UPDATED = "group_updated", "Group updated"
        GROUP_MEMBERS_CHANGED = "group_members_changed", "Group members changed"
        GROUP_DELETED = "group_deleted", "Group deleted"
        DOMAIN_VERIFIED = "domain_verified", "Domain verified"
        DOMAIN_REFUSED = "domain_refused", "Domain verification refused"
        DOMAIN_REVOKED = "domain_revoked", "Domain verification revoked"
        SSO_LINKED = "sso_linked", "SSO identity linked"
        SSO_SIGNED_IN = "sso_signed_in", "Signed in through SSO"
        SSO_REFUSED = "sso_refused", "SSO sign-in refused"

    organization = organization_key("audit_events")
    api_key = models.ForeignKey(
        APIKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_events"
    )
    api_key_name = models.CharField(max_length=50, blank=True, default="")
    api_key_prefix = models.CharField(max_length=8, blank=True, default="")
    action = models.CharField(max_length=32, choices=Action.choices)
    # The membership's primary key in its string form (``str(pk)``): a copy, not a foreign
    # key, that fits any key type the host's membership has (integer, UUID, text).
    membership_id = models.CharField(max_length=255, null=True, blank=True)
    scim_id = models.CharField(max_length=36, blank=True, default="")
    user_name = models.CharField(max_length=255, blank=True, default="")
    # {field: [before, after]}
    changes = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True, default="")
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_user = person_named("+", verbose_name="acting admin")
    actor_name = models.CharField("acted by", max_length=255, blank=True, default="")
    reason = models.TextField(blank=True, default="")

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            # An organization's events in the trail's order, the newest first: its latest
            # events are the first entries of its own range, whatever its share of the
            # table (a walk of ``created_at`` would filter out every other tenant's).
            tenant_index("cosmo_scim_audit_page", "-created_at", "-id"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.user_name}"


class UserSession(models.Model):
    """Which session keys belong to which person, whatever SESSION_ENGINE stores them.

    Django has no per-user view of sessions (the cache backends cannot be queried at all),
    so ending a deactivated member's sessions needs this index; see sessions.py.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Session of {self.user}"


class RoleMapping(models.Model):
    """ "IdP group → organization role": members of a matching group get ``role``.

    Groups are matched by displayName (case-insensitive, as SCIM compares it) or by
    externalId (exact): displayName is what admins see in Okta and Entra, externalId
    survives a rename.
    """

    class Match(models.TextChoices):
        DISPLAY_NAME = "displayName", "displayName"
        EXTERNAL_ID = "externalId", "externalId"

    organization = organization_key("scim_role_mappings")
    match = models.CharField(max_length=20, choices=Match.choices, default=Match.DISPLAY_NAME)
    value = models.CharField(max_length=255, help_text="The IdP group's displayName or externalId.")
    role = models.CharField(max_length=50)

    class Meta:
        verbose_name = "IdP group role mapping"
        constraints = [
            unique_in_tenant("cosmo_scim_role_mapping_fold", "match", caseless="value"),
        ]

    def __str__(self) -> str:
        return f"{self.match} {self.value!r} → {self.role}"
