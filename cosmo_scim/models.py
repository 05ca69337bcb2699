"""cosmo_scim's own tables. Host tables are reached through COSMO_SCIM (see conf.py)."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager

from . import conf
from .keys import CosmoKeyGenerator


class KeyNotRotatable(Exception):
    """A key that may not be rotated; the message says why, for the admin."""


class APIKeyManager(BaseAPIKeyManager):
    key_generator = CosmoKeyGenerator()

    def rotate(self, api_key, *, by=None):
        """Replace a key with a fresh secret: ``(new_key, plaintext)``.

        The successor keeps organization, name, SCIM permission and expiry, so the IdP's
        configuration changes by its secret only; the old key is revoked in the same
        transaction, so there is no moment with both or neither. ``by`` becomes the new
        key's creator: the person who has now seen its secret.
        """
        from .entitlements import ENTERPRISE_REQUIRED, scim_allowed

        with transaction.atomic():
            old = self.select_for_update().select_related("organization").get(pk=api_key.pk)
            if old.revoked:
                raise KeyNotRotatable("A revoked key cannot be rotated; create a new key.")
            if old.has_expired:
                raise KeyNotRotatable("An expired key cannot be rotated; create a new key.")
            if old.scim and not scim_allowed(old.organization):
                raise KeyNotRotatable(
                    f"{ENTERPRISE_REQUIRED} {old.organization} is not on it, so its SCIM key "
                    "cannot be renewed."
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
