"""The app's own signal receivers, connected in ``CosmoScimConfig.ready``.

Lifecycle receivers run inside the service's transaction and only queue work for after the
commit; the session receivers keep the per-user session index (see sessions.py); saving or
deleting a key or an organization, and a bulk change of keys' access, retire what the
verified-key cache remembers of them (key_cache.py).
"""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest

from . import conf, key_cache, signals
from .host import Organization, Person
from .models import APIKey, Invitation
from .models.keys import key_access_changed
from .provisioning import sessions
from .tasks import send_invitation_on_commit


@receiver(signals.user_provisioned, dispatch_uid="cosmo_scim.invite_on_provision")
@receiver(signals.user_reactivated, dispatch_uid="cosmo_scim.invite_on_reactivation")
@receiver(signals.user_updated, dispatch_uid="cosmo_scim.invite_on_login_move")
def send_new_invitation(sender: type, invitation: Invitation | None = None, **kwargs: Any) -> None:
    # One held back by the address's budget (invitations.create) is the sweep's, once due.
    if invitation is not None and invitation.next_attempt_at is None:
        send_invitation_on_commit(invitation.pk)


@receiver(user_logged_in, dispatch_uid="cosmo_scim.index_session")
def index_session(sender: type, request: HttpRequest | None, user: Person, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        sessions.remember(request, user)


@receiver(user_logged_out, dispatch_uid="cosmo_scim.unindex_session")
def unindex_session(
    sender: type, request: HttpRequest | None, user: Person | None, **kwargs: Any
) -> None:
    if request is not None and hasattr(request, "session"):
        sessions.forget(request)


@receiver(post_save, sender=APIKey, dispatch_uid="cosmo_scim.key_saved")
@receiver(post_delete, sender=APIKey, dispatch_uid="cosmo_scim.key_deleted")
def forget_changed_key(sender: type[APIKey], instance: APIKey, using: str, **kwargs: Any) -> None:
    key_cache.access_changed([instance.prefix], using=using)


@receiver(key_access_changed, sender=APIKey, dispatch_uid="cosmo_scim.keys_changed")
def forget_changed_keys(sender: type, prefixes: list[str], using: str, **kwargs: Any) -> None:
    """A bulk revocation or expiry edit (``APIKeyQuerySet.update_access``)."""
    key_cache.access_changed(prefixes, using=using)


def forget_organization_keys(
    sender: type[Organization], instance: Organization, using: str, **kwargs: Any
) -> None:
    """A plan change (or any other) of the host's organization: its keys are read again on
    their next request, so ``HostAdapter.scim_allowed`` sees the new row."""
    key_cache.organization_changed(instance.pk, using=using)


def connect_organization_receivers() -> None:
    """Connected for the model ``COSMO_SCIM["ORGANIZATION_MODEL"]`` names (a lazy
    reference: the host's app may load after this one)."""
    organization = conf.get("ORGANIZATION_MODEL")
    post_save.connect(
        forget_organization_keys, sender=organization, dispatch_uid="cosmo_scim.org_saved"
    )
    post_delete.connect(
        forget_organization_keys, sender=organization, dispatch_uid="cosmo_scim.org_deleted"
    )


connect_organization_receivers()
