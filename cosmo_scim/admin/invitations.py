"""Invitations in Django admin: made by provisioning, never by hand; admins watch their
delivery and resend."""

from django.contrib import admin, messages

from .. import invitations
from ..models import Invitation
from ..tasks import send_invitation_on_commit
from .scope import ScopedToOrganizationAdmin


@admin.register(Invitation)
class InvitationAdmin(ScopedToOrganizationAdmin, admin.ModelAdmin):
    """Invitations are made by provisioning, not by hand; admins watch them and resend."""

    list_display = (
        "email",
        "organization",
        "status",
        "sent_at",
        "send_attempts",
        "expires_at",
        "last_error",
    )
    list_filter = ("status", "organization")
    search_fields = ("email",)
    list_select_related = ("organization",)
    fields = (
        "organization",
        "membership",
        "email",
        "status",
        "created_at",
        "sent_at",
        "send_attempts",
        "last_error",
        "expires_at",
        "accepted_at",
    )
    readonly_fields = fields
    actions = ("resend",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Resend selected invitations (old links stop working)")
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
