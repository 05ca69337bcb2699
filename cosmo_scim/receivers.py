"""The app's own signal receivers, connected in ``CosmoScimConfig.ready``.

Lifecycle receivers run inside the service's transaction and only queue work for after the
commit; the session receivers keep the per-user session index (see sessions.py).
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from . import sessions, signals
from .models import Invitation
from .tasks import send_invitation_on_commit


@receiver(signals.user_provisioned, dispatch_uid="cosmo_scim.invite_on_provision")
@receiver(signals.user_reactivated, dispatch_uid="cosmo_scim.invite_on_reactivation")
def send_new_invitation(sender, membership, **kwargs):
    unsent = Invitation.objects.filter(
        membership=membership, status=Invitation.Status.PENDING, sent_at=None
    )
    for invitation_id in unsent.values_list("pk", flat=True):
        send_invitation_on_commit(invitation_id)


@receiver(user_logged_in, dispatch_uid="cosmo_scim.index_session")
def index_session(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        sessions.remember(request, user)


@receiver(user_logged_out, dispatch_uid="cosmo_scim.unindex_session")
def unindex_session(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        sessions.forget(request)
