"""The app's own signal receivers, connected in ``CosmoScimConfig.ready``.

Lifecycle receivers run inside the service's transaction and only queue work for after the
commit; the session receivers keep the per-user session index (see sessions.py).
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from . import signals
from .provisioning import sessions
from .tasks import send_invitation_on_commit


@receiver(signals.user_provisioned, dispatch_uid="cosmo_scim.invite_on_provision")
@receiver(signals.user_reactivated, dispatch_uid="cosmo_scim.invite_on_reactivation")
def send_new_invitation(sender, invitation=None, **kwargs):
    if invitation is not None:
        send_invitation_on_commit(invitation.pk)


@receiver(user_logged_in, dispatch_uid="cosmo_scim.index_session")
def index_session(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        sessions.remember(request, user)


@receiver(user_logged_out, dispatch_uid="cosmo_scim.unindex_session")
def unindex_session(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        sessions.forget(request)
