"""IdP group → organization role mappings in Django admin; saving one re-ranks the
organization's grouped members at once."""

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from ..host import host_adapter
from ..models import RoleMapping
from ..provisioning import roles
from .scoped_admin import ScopedToOrganizationAdmin

ROLE_SYNC_WARNING = (
    "Members of a SCIM-provisioned group that matches a mapping get its role; a member in "
    "several mapped groups gets the highest, a member who leaves every mapped group gets the "
    "default role. Roles of SCIM-managed members follow the identity provider: a manual role "
    "edit is overwritten at the next sync of their groups, and saving a mapping here "
    "re-applies the mappings to everyone in the organization's groups at once."
)


class RoleMappingForm(forms.ModelForm):
    role = forms.ChoiceField(choices=())

    class Meta:
        model = RoleMapping
        fields = ("organization", "match", "value", "role")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The host's own roles: the mapping can only name a role the host has.
        role = cast(forms.ChoiceField, self.fields["role"])  # declared above
        role.choices = host_adapter().role_choices()


@admin.register(RoleMapping)
class RoleMappingAdmin(ScopedToOrganizationAdmin, admin.ModelAdmin):
    """ "IdP group → organization role", per organization."""

    form = RoleMappingForm
    fieldsets = ((None, {"fields": RoleMappingForm.Meta.fields, "description": ROLE_SYNC_WARNING}),)
    list_display = ("organization", "match", "value", "role")
    list_filter = ("organization", "match", "role")
    search_fields = ("value", "organization__name")
    list_select_related = ("organization",)

    def get_readonly_fields(
        self, request: HttpRequest, obj: RoleMapping | None = None
    ) -> tuple[str, ...]:
        # Moving a mapping to another organization would leave the first one's roles stale.
        return ("organization",) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: RoleMapping, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        roles.recompute_grouped(obj.organization)

    def delete_model(self, request: HttpRequest, obj: RoleMapping) -> None:
        super().delete_model(request, obj)
        roles.recompute_grouped(obj.organization)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RoleMapping]) -> None:
        organizations = {mapping.organization for mapping in queryset}
        super().delete_queryset(request, queryset)
        for organization in organizations:
            roles.recompute_grouped(organization)
