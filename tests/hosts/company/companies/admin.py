from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from cosmo_scim.admin import ProvisioningAdminMixin

from .models import Account, Company


@admin.register(Company)
class CompanyAdmin(ProvisioningAdminMixin, admin.ModelAdmin):
    list_display = ("name", "handle", "scim_provisioning")


@admin.register(Account)
class AccountAdmin(UserAdmin):
    ordering = ("email",)
    list_display = ("email", "given_name", "family_name", "is_staff")
    search_fields = ("email", "given_name", "family_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Name", {"fields": ("given_name", "family_name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser")}),
    )
    add_fieldsets = ((None, {"fields": ("email", "password1", "password2")}),)
