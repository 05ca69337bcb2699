"""cosmo_scim's own tables. Host tables are reached through COSMO_SCIM (see conf.py)."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager

from . import conf
from .key_format import CosmoKeyGenerator


class KeyNotRotatable(Exception):
    """A key that may not be rotated; the message says why, for the admin."""


# Why a key cannot act (APIKey.refusal), as the admin words it for a rotation.
REVOKED, EXPIRED = "revoked", "expired"
ROTATION_REFUSALS = {
    REVOKED: "A revoked key cannot be rotated",
    EXPIRED: "An expired key cannot be rotated",
}


class APIKeyManager(BaseAPIKeyManager):
    key_generator = CosmoKeyGenerator()

    def rotate(self, api_key, *, by=None):
        """Replace a key with a fresh secret: ``(new_key, plaintext)``.

        The successor keeps organization, name, SCIM permission and expiry, so the IdP's
        configuration changes by its secret only; the old key is revoked in the same
        transaction, so there is no moment with both or neither. ``by`` becomes the new
        key's creator: the person who has now seen its secret.
        """
        from .host import host_adapter

        with transaction.atomic():
            old = self.select_for_update().select_related("organization").get(pk=api_key.pk)
            refusal = old.refusal()
            if refusal is not None:
                raise KeyNotRotatable(f"{ROTATION_REFUSALS[refusal]}; create a new key.")
            host = host_adapter()
            if old.scim and not host.scim_allowed(old.organization):
                raise KeyNotRotatable(
                    f"{host.scim_refusal(old.organization)} Its SCIM key cannot be renewed."
                )
            new = self.model(
                organization=old.organization,
                name=old.name,
                scim=old.scim,
                expiry_date=old.expiry_date,
                created_by=by or old.created_by,
                replaces=old,
            )
            plaintext = self.assign_key(new)
            new.save()
            old.revoked = True
            old.save(update_fields=["revoked"])
        return new, plaintext

    def revoke_created_by(self, organization_id, person):
        """Revoke the organization's keys this person created: a departing member must not
        keep acting through a key they made. Revocation is final (reactivation does not
        restore keys)."""
        return self.filter(
            organization_id=organization_id, created_by=person, revoked=False
        ).update(revoked=True)


class APIKey(AbstractAPIKey):
    """An organization's API key; the ``scim`` flag lets an IdP provision through it.

    Built on djangorestframework-api-key: its abstract model gives the prefix / hashed-key
    split, revocation that cannot be undone, expiry, and the SHA-512 hasher.
    """

    organization = models.ForeignKey(
        conf.get("ORGANIZATION_MODEL"), on_delete=models.CASCADE, related_name="api_keys"
    )
    scim = models.BooleanField(
        "SCIM",
        default=False,
        help_text="Lets an identity provider provision this organization's members over SCIM "
        "(Enterprise plan).",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="created_api_keys",
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The key this one took over from by rotation. The IdP that held the old key holds this
    # one now, so the members it provisioned stay linked to a live IdP (see orphans.py).
    replaces = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="replaced_by",
    )

    objects = APIKeyManager()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "API key"
        verbose_name_plural = "API keys"
        indexes = [models.Index(fields=("organization", "revoked"), name="cosmo_scim_key_org")]

    def refusal(self, now=None):
        """Why this key cannot act now — :data:`REVOKED` or :data:`EXPIRED` — or None when
        it can. The one rule: authentication, rotation, the orphaned access report and the
        admin all ask it. Expiry follows djangorestframework-api-key's ``has_expired``: a key
        stops working once its expiry date is past (``expiry_date < now``)."""
        if self.revoked:
            return REVOKED
        if self.expiry_date is not None and self.expiry_date < (now or timezone.now()):
            return EXPIRED
        return None

    def touch(self):
        """Record use, writing at most once per KEY_LAST_USED_RESOLUTION seconds."""
        now = timezone.now()
        resolution = timedelta(seconds=conf.get("KEY_LAST_USED_RESOLUTION"))
        if self.last_used_at is None or now - self.last_used_at >= resolution:
            type(self).objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now


def new_scim_id():
    """Opaque, stable, server-issued id (RFC 7643 §3.1): never a database pk."""
    return str(uuid.uuid4())


class ScimUser(models.Model):
    """A person's membership in an organization, as that organization's IdP describes it.

    This is the SCIM User resource. It belongs to the membership, not to the person: one
    person in two organizations has two of these, each owned by its own IdP, so one IdP can
    never rewrite what another sees.
    """

    scim_id = models.CharField(max_length=36, unique=True, default=new_scim_id, editable=False)
    organization = models.ForeignKey(
        conf.get("ORGANIZATION_MODEL"), on_delete=models.CASCADE, related_name="scim_users"
    )
    membership = models.OneToOneField(
        conf.get("MEMBERSHIP_MODEL"), on_delete=models.CASCADE, related_name="scim_user"
    )
    user_name = models.CharField(max_length=255)
    external_id = models.CharField(max_length=255, null=True, blank=True)
    given_name = models.CharField(max_length=255, blank=True, default="")
    family_name = models.CharField(max_length=255, blank=True, default="")
    formatted_name = models.CharField(max_length=255, blank=True, default="")
    display_name = models.CharField(max_length=255, blank=True, default="")
    title = models.CharField(max_length=255, blank=True, default="")
    locale = models.CharField(max_length=64, blank=True, default="")
    preferred_language = models.CharField(max_length=64, blank=True, default="")
    employee_number = models.CharField(max_length=255, blank=True, default="")
    department = models.CharField(max_length=255, blank=True, default="")
    manager_id = models.CharField(max_length=255, blank=True, default="")
    created = models.DateTimeField(default=timezone.now, editable=False)
    last_modified = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)
    # The key through which the IdP last provisioned or changed this member: the link that
    # the orphaned access report checks (orphans.py). Null for an unknown key (deleted).
    idp_key = models.ForeignKey(
        APIKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # When the person took up this membership (accepted its invitation). Null while an
    # invitation is outstanding; set at provisioning for members the IdP adopted, who were
    # in the organization already.
    accepted_at = models.DateTimeField(null=True, blank=True)
    # The IdP assigned the person (SCIM ``active`` is true) but the membership grants nothing
    # yet: the account existed before this organization's provisioning attached it (another
    # organization made it, or a sign-up did), so the person must consent by accepting the
    # invitation first. Until then the host's membership stays inactive (lifecycle.py).
    consent_pending = models.BooleanField(default=False)

    class Meta:
        verbose_name = "SCIM user"
        constraints = [
            # userName is unique per organization and caseExact false (RFC 7643 §4.1.1);
            # the functional index also serves Okta's `userName eq` lookups.
            models.UniqueConstraint(
                models.F("organization"), Lower("user_name"), name="cosmo_scim_user_name_ci"
            ),
        ]
        indexes = [
            models.Index(fields=("organization", "external_id"), name="cosmo_scim_user_ext"),
            models.Index(fields=("organization", "id"), name="cosmo_scim_user_page"),
        ]

    def __str__(self):
        return self.user_name

    @property
    def active(self):
        """SCIM ``active``: the IdP's assignment. The membership is active, or it awaits the
        person's consent (the name reads carry it under, user_reads.ACTIVE)."""
        return self.membership.is_active or self.consent_pending


class AccountOwner(models.Model):
    """The organization whose provisioning created a person's account.

    A person's account (login email, names, password) is shared by every organization they
    belong to. An organization's IdP may change it only while that organization *owns* it
    exclusively: its provisioning created the account, and the person belongs to no other
    organization (lifecycle.owns_account). Kept apart from ScimUser so that it outlives a
    SCIM DELETE: the account an organization created stays its own when it provisions the
    person again. An account without a row (a sign-up, an operator, one made before this
    table existed) belongs to no organization, and no IdP ever changes it.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    organization = models.ForeignKey(
        conf.get("ORGANIZATION_MODEL"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "account owner"

    def __str__(self):
        return f"{self.user} (created by {self.organization})"


class ScimUserCount(models.Model):
    """How many SCIM users an organization has: the ``totalResults`` of an unfiltered
    ``GET /Users`` (RFC 7644 §3.4.2), which Okta reads on every page of every import.

    Counting the rows instead costs a scan of the organization's index entries on each page
    (about 15 ms at 100,000 members). The database keeps this row itself, through the
    triggers migration ``0005_user_count`` installs (and ``0006`` re-installs on SQLite), in
    the transaction of every insert and delete of a ScimUser: no write path (the lifecycle
    service, a host deleting a membership, a bulk load) can leave it wrong.
    :mod:`cosmo_scim.provisioning.user_count` reads it.
    """

    organization = models.OneToOneField(
        conf.get("ORGANIZATION_MODEL"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    users = models.BigIntegerField(default=0)
    # Moves with every insert or delete (not with updates): while it stands still, every
    # user is at the position it had, which is what lets a deep page be found from where
    # an earlier request saw it start (cosmo_scim.scim.page_starts).
    changes = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "SCIM user count"

    def __str__(self):
        return f"{self.users} SCIM users"


class ScimUserEmail(models.Model):
    """One entry of a SCIM User's multi-valued ``emails``."""

    scim_user = models.ForeignKey(ScimUser, on_delete=models.CASCADE, related_name="emails")
    value = models.CharField(max_length=254)
    type = models.CharField(max_length=32, blank=True, default="")
    primary = models.BooleanField(default=False)
    display = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ("id",)
        indexes = [models.Index(Lower("value"), name="cosmo_scim_email_value_ci")]

    def __str__(self):
        return self.value


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

    organization = models.ForeignKey(
        conf.get("ORGANIZATION_MODEL"), on_delete=models.CASCADE, related_name="invitations"
    )
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
    sent_at = models.DateTimeField(null=True, blank=True)
    send_attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The sweep's question: which pending invitations have not gone out?
            models.Index(fields=("status", "sent_at"), name="cosmo_scim_invite_unsent"),
        ]

    def __str__(self):
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

    organization = models.ForeignKey(
        conf.get("ORGANIZATION_MODEL"), on_delete=models.CASCADE, related_name="audit_events"
    )
    api_key = models.ForeignKey(
        APIKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_events"
    )
    api_key_name = models.CharField(max_length=50, blank=True, default="")
    api_key_prefix = models.CharField(max_length=8, blank=True, default="")
    action = models.CharField(max_length=32, choices=Action.choices)
    membership_id = models.BigIntegerField(null=True, blank=True)
    scim_id = models.CharField(max_length=36, blank=True, default="")
    user_name = models.CharField(max_length=255, blank=True, default="")
    # {field: [before, after]}
    changes = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True, default="")
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="acting admin",
    )
    actor_name = models.CharField("acted by", max_length=255, blank=True, default="")
    reason = models.TextField(blank=True, default="")

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=("organization", "-created_at"), name="cosmo_scim_audit_org"),
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.user_name}"


class UserSession(models.Model):
    """Which session keys belong to which person, whatever SESSION_ENGINE stores them.

    Django has no per-user view of sessions (the cache backends cannot be queried at all),
    so ending a deactivated member's sessions needs this index; see sessions.py.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Session of {self.user}"


class ScimGroup(models.Model):
    """An IdP group (Okta group push, Entra group provisioning): the SCIM Group resource.

    Mirrored into one host team (COSMO_SCIM["TEAM_MODEL"]); deleting that team in the host
    deletes this group too, and the IdP gets a 404 and pushes it again.
    """

    scim_id = models.CharField(max_length=36, unique=True, default=new_scim_id, editable=False)
    organization = models.ForeignKey(
        conf.get("ORGANIZATION_MODEL"), on_delete=models.CASCADE, related_name="scim_groups"
    )
    team = models.OneToOneField(
        conf.get("TEAM_MODEL"), on_delete=models.CASCADE, related_name="scim_group"
    )
    display_name = models.CharField(max_length=255)
    external_id = models.CharField(max_length=255, null=True, blank=True)
    created = models.DateTimeField(default=timezone.now, editable=False)
    last_modified = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "SCIM group"
        constraints = [
            # displayName is how Okta and Entra look a group up before pushing it
            # (`displayName eq "..."`); caseExact false (RFC 7643 §4.2), one per organization.
            models.UniqueConstraint(
                models.F("organization"), Lower("display_name"), name="cosmo_scim_group_name_ci"
            ),
        ]
        indexes = [
            models.Index(fields=("organization", "external_id"), name="cosmo_scim_group_ext"),
            models.Index(fields=("organization", "id"), name="cosmo_scim_group_page"),
        ]

    def __str__(self):
        return self.display_name


class ScimGroupMember(models.Model):
    """One entry of a SCIM Group's ``members``: a SCIM User of the same organization."""

    group = models.ForeignKey(ScimGroup, on_delete=models.CASCADE, related_name="member_links")
    scim_user = models.ForeignKey(ScimUser, on_delete=models.CASCADE, related_name="group_links")

    class Meta:
        ordering = ("id",)
        constraints = [
            models.UniqueConstraint(
                fields=("group", "scim_user"), name="cosmo_scim_group_member_unique"
            ),
        ]

    def __str__(self):
        return f"{self.scim_user} in {self.group}"


class RoleMapping(models.Model):
    """ "IdP group → organization role": members of a matching group get ``role``.

    Groups are matched by displayName (case-insensitive, as SCIM compares it) or by
    externalId (exact): displayName is what admins see in Okta and Entra, externalId
    survives a rename.
    """

    class Match(models.TextChoices):
        DISPLAY_NAME = "displayName", "displayName"
        EXTERNAL_ID = "externalId", "externalId"

    organization = models.ForeignKey(
        conf.get("ORGANIZATION_MODEL"), on_delete=models.CASCADE, related_name="scim_role_mappings"
    )
    match = models.CharField(max_length=20, choices=Match.choices, default=Match.DISPLAY_NAME)
    value = models.CharField(max_length=255, help_text="The IdP group's displayName or externalId.")
    role = models.CharField(max_length=50)

    class Meta:
        verbose_name = "IdP group role mapping"
        constraints = [
            models.UniqueConstraint(
                models.F("organization"),
                models.F("match"),
                Lower("value"),
                name="cosmo_scim_role_mapping_unique",
            ),
        ]

    def __str__(self):
        return f"{self.match} {self.value!r} → {self.role}"
