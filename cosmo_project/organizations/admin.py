from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.contrib import admin

from cosmo_scim.admin import ProvisioningAdminMixin

from .models import Membership, Organization, Team


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)
    fields = ("user", "role", "is_active", "created_at")
    readonly_fields = ("created_at",)


@admin.register(Organization)
class OrganizationAdmin(ProvisioningAdminMixin, admin.ModelAdmin):
    list_display = ("name", "slug", "plan", "created_at", "scim_provisioning")
    list_filter = ("plan",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (MembershipInline,)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "role", "is_active", "created_at", "updated_at")
    list_filter = ("organization", "role", "is_active")
    search_fields = ("user__email__address_contains", "organization__name", "organization__slug")
    autocomplete_fields = ("user", "organization")
    list_select_related = ("user", "organization")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "created_at")
    list_filter = ("organization",)
    search_fields = ("name", "organization__name", "organization__slug")
    autocomplete_fields = ("organization",)
    filter_horizontal = ("members",)
    list_select_related = ("organization",)


# Cosmo runs django-allauth for SSO only: connections are cosmo_scim's (encrypted secrets,
# scoped to each organization's admins), and allauth's own tables stay empty. Its screens
# would invite operators to store a client secret in plain text (SocialApp.secret).
for model in (SocialApp, SocialAccount, SocialToken, EmailAddress):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
