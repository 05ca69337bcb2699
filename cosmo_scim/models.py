"""cosmo_scim's own tables. Host tables are reached through COSMO_SCIM (see conf.py)."""

from datetime import timedelta

from django.conf import settings
from django.db import models
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
