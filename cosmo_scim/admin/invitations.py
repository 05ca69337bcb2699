"""Invitations in Django admin: made by provisioning, never by hand; admins watch their
delivery — what truly happened, in words (provisioning/invitation_delivery.py ``state``) —
and resend."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from ..addresses import AddressContains
from ..models import Invitation
from ..provisioning import invitation_delivery, invitations
from ..tasks import send_invitation_on_commit
from . import display
from .scoped_admin import ScopedToOrganizationAdmin

Invitation._meta.get_field("email").register_lookup(AddressContains)


@admin.register(Invitation)
class InvitationAdmin(ScopedToOrganizationAdmin, admin.ModelAdmin):
    """Invitations are made by provisioning, not by hand; admins watch them and resend."""

    # The delivery sentence says the status too (delivery.state), so it has the room a
    # status column took; short dates (display.py) keep the list within 1280 px.
    list_display = ("email", "organization", "delivery_in_list", "tries", "expires")
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
    def delivery(self, invitation: Invitation) -> str:
        return invitation_delivery.state(invitation)

    @admin.display(description="delivery")
    def delivery_in_list(self, invitation: Invitation) -> str:
        """The sentence, and the mail server's error on one line below it (cut short in the
        list, whole on hover and on the invitation's page)."""
        sentence, error = invitation_delivery.state_and_error(invitation)
        if not error:
            return sentence
        return format_html(
            '{}<br><span class="error-line" title="{}">{}</span>', sentence, error, error
        )

    @admin.display(description="Tries", ordering="send_attempts")
    def tries(self, invitation: Invitation) -> int:
        return invitation.send_attempts

    @admin.display(description="Expires", ordering="expires_at")
    def expires(self, invitation: Invitation) -> str:
        return display.moment(invitation.expires_at, empty="-")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Invitation | None = None) -> bool:
        return False

    # Short, so the action menu fits beside the list; the caution for an invitation that
    # may have gone out is in its delivery sentence (delivery.state).
    @admin.action(description="Resend selected invitations (old links stop working)")
    def resend(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
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
