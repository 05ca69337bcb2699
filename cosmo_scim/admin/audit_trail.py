"""The provisioning audit trail in Django admin: read-only, so it can be trusted."""

from django.contrib import admin
from django.http import HttpRequest

from ..models import AuditEvent
from . import display
from .scoped_admin import ScopedToOrganizationAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedToOrganizationAdmin, admin.ModelAdmin):
    """The provisioning trail: read-only, so it can be trusted."""

    list_display = (
        "when",
        "organization",
        "action",
        "subject",
        "acted_by",
        "reason",
        "request_id",
    )
    # No date_hierarchy: its year/month links are a DISTINCT over every event's date,
    # sorted, on each view of the trail. The created_at filter's links cost no query.
    list_filter = ("organization", "action", "created_at")
    search_fields = ("user_name",)
    list_select_related = ("organization",)

    @admin.display(description="When", ordering="created_at")
    def when(self, event: AuditEvent) -> str:
        return display.moment(event.created_at)

    @admin.display(description="Subject", ordering="user_name")
    def subject(self, event: AuditEvent) -> str:
        """The user's userName, or the group or the domain the event is about."""
        return event.user_name or event.changes.get("group") or event.changes.get("domain", "")

    @admin.display(description="By")
    def acted_by(self, event: AuditEvent) -> str:
        """The IdP's key (by name and prefix), or the admin or command that acted."""
        if event.api_key_prefix:
            return f"key {event.api_key_name} ({event.api_key_prefix})"
        return event.actor_name

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
