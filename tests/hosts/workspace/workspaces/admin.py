from django.contrib import admin

from cosmo_scim.admin import ProvisioningAdminMixin

from .models import Workspace


@admin.register(Workspace)
class WorkspaceAdmin(ProvisioningAdminMixin, admin.ModelAdmin):
    list_display = ("name", "plan", "scim_provisioning")
