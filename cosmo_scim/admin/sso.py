"""SSO connections in Django admin, scoped like API keys (scope.py): an org admin sees and
edits only their organizations' connections, any other is a 404.

The OIDC client secret is write-only: the form takes it (a password input that never
renders a value), it is encrypted before it is saved (sso/client_secrets.py), and no page,
message or error report shows it again — the change form says only whether one is stored.
Each connection shows what to paste into the IdP and a test sign-in link
(sso/endpoints.py).
"""

from typing import TYPE_CHECKING, Any, TypedDict

from django.contrib import admin
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.views.decorators.debug import sensitive_post_parameters

from ..host_fields import membership_field
from ..models import ScimUser, SsoConnection, SsoIdentity
from ..sso import endpoints
from ..sso.forms import SsoConnectionForm
from .scope import acts_for
from .scoped_admin import ScopedToOrganizationAdmin

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldOpts
    from django.utils.functional import _StrOrPromise
    from django_stubs_ext import WithAnnotations


@admin.register(SsoConnection)
class SsoConnectionAdmin(ScopedToOrganizationAdmin, admin.ModelAdmin):
    form = SsoConnectionForm
    list_display = ("name", "organization", "protocol", "enabled", "required")
    list_filter = ("protocol", "enabled", "required", "organization")
    search_fields = ("name", "organization__name")
    list_select_related = ("organization",)

    def get_fieldsets(
        self, request: HttpRequest, obj: SsoConnection | None = None
    ) -> "list[tuple[_StrOrPromise | None, _FieldOpts]]":
        fieldsets: list[tuple[_StrOrPromise | None, _FieldOpts]] = [
            (None, {"fields": ("organization", "name", "protocol", "enabled", "required")}),
            ("OpenID Connect", {"fields": ("issuer", "client_id", "client_secret")}),
            ("SAML 2.0", {"fields": ("metadata_url", "metadata_xml", "allow_idp_initiated")}),
            ("Linking", {"fields": ("subject_claim",)}),
        ]
        if obj is not None:
            fieldsets.insert(1, ("For your IdP", {"fields": ("secret_stored", "idp_settings")}))
        return fieldsets

    def get_readonly_fields(
        self, request: HttpRequest, obj: SsoConnection | None = None
    ) -> tuple[str, ...]:
        if obj is None:
            return ()
        return ("organization", "protocol", "secret_stored", "idp_settings")

    @admin.display(description="Client secret stored")
    def secret_stored(self, obj: SsoConnection) -> str:
        return "yes (encrypted; never shown)" if obj.secret_encrypted else "no"

    @admin.display(description="Settings to copy")
    def idp_settings(self, obj: SsoConnection) -> str:
        pairs = endpoints.for_connection(obj)
        if not pairs:
            return "The product has not mounted cosmo_scim.sso.urls: nobody can sign in yet."
        rows = format_html_join(
            "", "<tr><th>{}</th><td><code>{}</code></td></tr>", ((k, v) for k, v in pairs)
        )
        test = endpoints.login_url(obj) + "?test=1"
        return format_html(
            '<table class="cosmo-sso-settings">{}</table><p><a href="{}" target="_blank" '
            'rel="noopener" id="sso-test">Test sign-in</a> (signs nobody in; shows whom the '
            "IdP's answer resolves to)</p>",
            rows,
            test,
        )

    @method_decorator(sensitive_post_parameters("client_secret"))
    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        return super().changeform_view(request, object_id, form_url, extra_context)


class _MemberUserName(TypedDict):
    """What :meth:`SsoIdentityAdmin.get_queryset` adds to each identity."""

    member_user_name: str | None


@admin.register(SsoIdentity)
class SsoIdentityAdmin(ScopedToOrganizationAdmin, admin.ModelAdmin):
    """Linked identities: read, and deleted when an IdP re-issued a person's subject (the
    next sign-in links again by the rules)."""

    organization_field = "connection__organization"
    list_display = ("subject", "member", "connection", "linked_at", "last_sign_in_at")
    list_select_related = ("connection",)
    search_fields = ("subject",)
    fields = ("connection", "subject", "member", "linked_at", "last_sign_in_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[SsoIdentity]:
        """The member as this organization's IdP provisioned them (its SCIM userName), never
        the account: the account's login may be another organization's address for a person
        both share (security.md, "Who can change what")."""
        member = ScimUser.objects.filter(
            organization=OuterRef("connection__organization"),
            **{f"membership__{membership_field('person')}": OuterRef("person")},
        )
        return (
            super()
            .get_queryset(request)
            .annotate(member_user_name=Subquery(member.values("user_name")[:1]))
        )

    @admin.display(description="member (SCIM userName)")
    def member(self, identity: "WithAnnotations[SsoIdentity, _MemberUserName]") -> str:
        return identity.member_user_name or "-"

    def _allowed(self, request: HttpRequest, obj: Any) -> bool:
        if obj is None:
            return super()._allowed(request, None)
        return acts_for(request, obj.connection.organization_id)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SsoIdentity | None = None) -> bool:
        return False
