"""cosmo_scim's own tables. Host tables are reached through COSMO_SCIM (see conf.py)."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager

from . import conf
from .keys import CosmoKeyGenerator


class APIKeyManager(BaseAPIKeyManager):
    key_generator = CosmoKeyGenerator()


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

    objects = APIKeyManager()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "API key"
        verbose_name_plural = "API keys"
        indexes = [models.Index(fields=("organization", "revoked"), name="cosmo_scim_key_org")]

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
