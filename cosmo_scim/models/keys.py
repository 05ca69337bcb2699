"""Organization API keys: the model and the rules on its manager (rotation, revocation,
whether a key can act)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from django.db import models, transaction
from django.dispatch import Signal
from django.utils import timezone
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager

from .. import conf
from ..key_format import CosmoKeyGenerator
from .columns import organization_key, person_named, tenant_index

if TYPE_CHECKING:
    from ..host import Key


class KeyNotRotatable(Exception):
    """A key that may not be rotated; the message says why, for the admin."""


# Why a key cannot act (APIKey.refusal), as the admin words it for a rotation.
REVOKED, EXPIRED = "revoked", "expired"
ROTATION_REFUSALS = {
    REVOKED: "A revoked key cannot be rotated",
    EXPIRED: "An expired key cannot be rotated",
}


def new_key_id() -> str:
    """A key's primary key: random, so it tells nothing about the key.

    djangorestframework-api-key makes the primary key ``<prefix>.<hashed key>``, which puts
    the key's verifier in every admin URL, every access log line and every foreign key that
    names the key (its issue #128). Ours is a random UUID; the prefix finds the row.
    """
    return str(uuid.uuid4())


# Sent, inside the changing transaction, with the ``prefixes`` of keys whose access a bulk
# change (``APIKeyQuerySet.update_access``) may have taken away. A saved or deleted key
# sends ``post_save`` / ``post_delete`` instead. The verified-key cache listens (receivers.py):
# the model layer announces, it does not know who remembers.
key_access_changed = Signal()


class APIKeyQuerySet(models.QuerySet):
    def update_access(self, **fields: Any) -> int:
        """A bulk change of what decides whether these keys may act (``revoked``,
        ``expiry_date``, ``scim``): the rows are locked and read first, exactly those are
        updated, and :data:`key_access_changed` names them, so that nothing remembered of
        them outlives the change. A key that appears meanwhile is neither changed nor
        announced. A plain ``update()`` announces nothing: it is for fields that change no
        access (``last_used_at``)."""
        rows_of = self.model._base_manager.using(self.db)
        with transaction.atomic(using=self.db, savepoint=False):
            rows = list(
                rows_of.filter(pk__in=self.values("pk"))
                .select_for_update()
                .values_list("pk", "prefix")
            )
            count = rows_of.filter(pk__in=[pk for pk, _ in rows]).update(**fields)
            key_access_changed.send(
                sender=self.model, prefixes=[prefix for _, prefix in rows], using=self.db
            )
        return count

    def revoke(self) -> int:
        """Revoke the keys not revoked yet (revocation is final); their count."""
        return self.filter(revoked=False).update_access(revoked=True)


_APIKeyManagerBase = BaseAPIKeyManager.from_queryset(APIKeyQuerySet)


class APIKeyManager(_APIKeyManagerBase["APIKey"]):
    key_generator = CosmoKeyGenerator()

    def assign_key(self, obj: AbstractAPIKey) -> str:
        """Give ``obj`` a fresh key and return its plaintext (shown once); the primary key
        is :func:`new_key_id`, not the library's prefix-and-hash."""
        plaintext = super().assign_key(obj)
        obj.id = new_key_id()
        return plaintext

    def rotate(self, api_key: APIKey, *, by: Any = None) -> tuple[APIKey, str]:
        """Replace a key with a fresh secret: ``(new_key, plaintext)``.

        The successor keeps organization, name, SCIM permission and expiry, so the IdP's
        configuration changes by its secret only; the old key is revoked in the same
        transaction, so there is no moment with both or neither. ``by`` becomes the new
        key's creator: the person who has now seen its secret (an instance of the host's
        user model, which django-stubs knows only as the settings' AUTH_USER_MODEL).
        """
        from ..host import host_adapter

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

    def revoke_created_by(self, organization_id: Key, person: Any) -> int:
        """Revoke the organization's keys this person created: a departing member must not
        keep acting through a key they made. Revocation is final (reactivation does not
        restore keys)."""
        return self.filter(organization_id=organization_id, created_by=person).revoke()


class APIKey(AbstractAPIKey):
    """An organization's API key; the ``scim`` flag lets an IdP provision through it.

    Built on djangorestframework-api-key: its abstract model gives the prefix / hashed-key
    split, revocation that cannot be undone, expiry, and the SHA-512 hasher.
    """

    organization = organization_key("api_keys")
    scim = models.BooleanField(
        "SCIM",
        default=False,
        # Whether the organization may use SCIM is the host's rule (HostAdapter.scim_allowed),
        # so the box names no plan; a refusal reads the host's own sentence (the admin form).
        help_text="Lets an identity provider provision this organization's members over SCIM.",
    )
    created_by = person_named("created_api_keys")
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

    # The library's base manager, not its APIKeyManager (which the stubs expect here).
    objects: ClassVar[APIKeyManager] = APIKeyManager()  # type: ignore[assignment]
    # The plaintext of a key the admin's add form has just made, held on the instance until
    # the response shows it once (admin/api_keys.py); never stored.
    _plaintext_key: str

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "API key"
        verbose_name_plural = "API keys"
        indexes = [tenant_index("cosmo_scim_key_org", "revoked")]

    def refusal(self, now: datetime | None = None) -> str | None:
        """Why this key cannot act now — :data:`REVOKED` or :data:`EXPIRED` — or None when
        it can. The one rule: authentication, rotation, the orphaned access report and the
        admin all ask it. Expiry follows djangorestframework-api-key's ``has_expired``: a key
        stops working once its expiry date is past (``expiry_date < now``)."""
        if self.revoked:
            return REVOKED
        if self.expiry_date is not None and self.expiry_date < (now or timezone.now()):
            return EXPIRED
        return None

    def touch(self) -> None:
        """Record use, writing at most once per KEY_LAST_USED_RESOLUTION seconds."""
        now = timezone.now()
        resolution = timedelta(seconds=conf.get("KEY_LAST_USED_RESOLUTION"))
        if self.last_used_at is None or now - self.last_used_at >= resolution:
            # A plain update: recording use changes no access, so nothing remembered of the
            # key is retired (APIKeyQuerySet.update_access).
            type(self)._base_manager.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now
