"""Invitations in Django admin: made by provisioning, never by hand; admins watch their
delivery — what truly happened, in words (invitations/delivery.py ``state``) — and resend."""

from django.contrib import admin, messages

from .. import invitations
from ..addresses import AddressContains
from ..invitations import delivery
from ..models import Invitation
from ..tasks import send_invitation_on_commit
from .scope import ScopedToOrganizationAdmin

Invitation._meta.get_field("email").register_lookup(AddressContains)


@admin.register(Invitation)
class InvitationAdmin(ScopedToOrganizationAdmin, admin.ModelAdmin):
    """Invitations are made by provisioning, not by hand; admins watch them and resend."""

    list_display = (
        "email",
        "organization",
        "status",
        "delivery",
        "send_attempts",
        "expires_at",
    )
    list_filter = ("status", "organization")
    search_fields = ("email__address_contains",)
    list_select_related = ("organization",)
    fields = (
        "organization",
        "membership",
        "email",
        "status",
        "delivery",
        "created_at",
        "claimed_at",
        "transmit_started_at",
        "sent_at",
        "send_attempts",
        "next_attempt_at",
        "last_error",
        "expires_at",
        "accepted_at",
    )
    readonly_fields = fields
    actions = ("resend",)

    @admin.display(description="delivery")
    def delivery(self, invitation):
        return delivery.state(invitation)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(
        description="Resend selected invitations (old links stop working; for one that may "
        "have gone out, ask the person first)"
    )
    def resend(self, request, queryset):
        resent = 0
        for invitation in queryset:
            if invitations.reset_for_resend(invitation):
                send_invitation_on_commit(invitation.pk)
                resent += 1
        self.message_user(request, f"Resending {resent} invitation(s).", messages.SUCCESS)
        if resent < len(queryset):
            self.message_user(
                request,
                "Accepted or revoked invitations, and those of deactivated members, were skipped.",
                messages.WARNING,
            )
