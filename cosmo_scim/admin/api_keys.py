"""Organization API keys in Django admin: create (the SCIM checkbox), show once, rotate,
revoke.

Only a key's hash is stored. The plaintext is shown once, POST → redirect → GET: the form
that created (or rotated) the key puts it in the admin's session and redirects to the key's
*show once* page, whose first GET takes it out of the session and shows it. A reload, or
going back to it, finds nothing and says so: it never submits the form again (a second
live key) nor shows the key a second time. So the plaintext lives in the admin's session
for one redirect (server-side with Django's database or cache sessions), never in a URL, a
message cookie or a log.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html
from django.utils.safestring import SafeString
from rest_framework_api_key.admin import APIKey as LibraryAPIKey

from .. import conf
from ..host import host_adapter
from ..models import APIKey, KeyNotRotatable
from ..models.keys import APIKeyQuerySet
from . import display, scope
from .object_pages import object_page, object_page_url
from .scoped_admin import ScopedToOrganizationAdmin

# Where the form that made a key leaves its plaintext for the show-once page's first GET.
SHOW_ONCE = "cosmo_scim_key_shown_once"


class APIKeyForm(forms.ModelForm):
    class Meta:
        model = APIKey
        fields = ("organization", "name", "scim", "expiry_date")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        organization = cleaned.get("organization") or getattr(self.instance, "organization", None)
        host = host_adapter()
        if cleaned.get("scim") and organization is not None and not host.scim_allowed(organization):
            self.add_error(
                "scim",
                f"{host.scim_refusal(organization)} Create the key without the SCIM "
                "permission, or once the organization may use SCIM.",
            )
        return cleaned


# djangorestframework-api-key registers its own concrete key model; Cosmo does not use it,
# and two "API keys" screens would send org admins to the wrong one.
if admin.site.is_registered(LibraryAPIKey):
    admin.site.unregister(LibraryAPIKey)


@admin.register(APIKey)
class APIKeyAdmin(ScopedToOrganizationAdmin, admin.ModelAdmin):
    form = APIKeyForm
    # Short words and one short date format (display.py), so the list fits 1280 px.
    list_display = (
        "name_and_prefix",
        "organization",
        "scim_words",
        "state",
        "expires",
        "last_used",
    )
    list_filter = ("scim", "revoked", "organization")
    search_fields = ("name", "prefix", "organization__name")
    list_select_related = ("organization", "created_by", "replaced_by")
    actions = ("revoke_keys",)

    @admin.display(description="Name and prefix", ordering="name")
    def name_and_prefix(self, api_key: APIKey) -> SafeString:
        return format_html("{} <code>{}</code>", api_key.name, api_key.prefix)

    @admin.display(description="SCIM", ordering="scim")
    def scim_words(self, api_key: APIKey) -> str:
        return "yes" if api_key.scim else "no"

    @admin.display(description="State", ordering="revoked")
    def state(self, api_key: APIKey) -> str:
        return display.key_state(api_key)

    @admin.display(description="Expires", ordering="expiry_date")
    def expires(self, api_key: APIKey) -> str:
        return display.moment(api_key.expiry_date)

    @admin.display(description="Last used", ordering="last_used_at")
    def last_used(self, api_key: APIKey) -> str:
        return display.moment(api_key.last_used_at)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """An admin of one organization starts with it chosen and, where the organization
        may use SCIM, the SCIM box ticked: the key an IdP needs (the sidebar's *Add* link
        too, which carries no parameters)."""
        initial: dict[str, Any] = super().get_changeform_initial_data(request)
        if "organization" not in initial:
            only = list(scope.organizations(request)[:2])
            if len(only) == 1:
                initial["organization"] = only[0].pk
                initial.setdefault("scim", host_adapter().scim_allowed(only[0]))
        return initial

    def get_fields(self, request: HttpRequest, obj: APIKey | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("organization", "name", "scim", "expiry_date")
        return (
            "organization",
            "name",
            "prefix",
            "scim",
            "expiry_date",
            "revoked",
            "created_by",
            "created",
            "last_used_at",
            "replaces",
        )

    def get_readonly_fields(
        self, request: HttpRequest, obj: APIKey | None = None
    ) -> list[str] | tuple[str, ...]:
        if obj is None:
            return ()
        readonly = ["organization", "prefix", "created_by", "created", "last_used_at", "replaces"]
        if obj.revoked:
            readonly += ["name", "scim", "expiry_date", "revoked"]
        return readonly

    def has_delete_permission(self, request: HttpRequest, obj: APIKey | None = None) -> bool:
        # Keys are revoked, not deleted: the audit trail names the key that acted.
        return False

    def save_model(self, request: HttpRequest, obj: APIKey, form: Any, change: bool) -> None:
        if not change:
            assert request.user.is_authenticated  # the admin serves signed-in people only
            obj.created_by = request.user
            obj._plaintext_key = APIKey.objects.assign_key(obj)
        super().save_model(request, obj, form, change)  # the right, re-read (scope.py)

    def response_add(
        self, request: HttpRequest, obj: APIKey, post_url_continue: str | None = None
    ) -> HttpResponse:
        return self._redirect_to_key_once(request, obj, obj._plaintext_key)

    def _redirect_to_key_once(
        self, request: HttpRequest, api_key: APIKey, plaintext: str, replaced: APIKey | None = None
    ) -> HttpResponseRedirect:
        request.session[SHOW_ONCE] = {
            "id": str(api_key.pk),
            "key": plaintext,
            "replaced": replaced.pk if replaced else None,
        }
        return HttpResponseRedirect(reverse("admin:cosmo_scim_apikey_show_once", args=[api_key.pk]))

    def show_once_view(self, request: HttpRequest, object_id: str) -> TemplateResponse:
        """The plaintext key, taken out of the session by the first GET after the form that
        made it; any later GET finds it gone and says so."""
        api_key = self.get_object(request, unquote(object_id))
        if not self.has_change_permission(request, api_key):
            raise PermissionDenied
        pending = request.session.get(SHOW_ONCE)
        shown = pending if pending is not None and pending["id"] == str(api_key.pk) else None
        if shown:
            del request.session[SHOW_ONCE]
        replaced = (
            APIKey.objects.filter(pk=shown["replaced"]).first()
            if shown and shown["replaced"]
            else None
        )
        response = object_page(
            self,
            request,
            "admin/cosmo_scim/apikey/key_created.html",
            api_key,
            title=("API key rotated" if replaced else "API key created")
            if shown
            else f"API key {api_key.name}",
            api_key=api_key,
            plaintext_key=shown["key"] if shown else None,
            product_name=conf.get("PRODUCT_NAME"),
            replaced=replaced,
            change_url=reverse("admin:cosmo_scim_apikey_change", args=[api_key.pk]),
            organization_label=scope.organization_label(),
        )
        add_never_cache_headers(response)
        return response

    def get_urls(self) -> list[URLPattern]:
        return [
            object_page_url(self, "rotate/", self.rotate_view, "rotate"),
            object_page_url(self, "key/", self.show_once_view, "show_once"),
            *super().get_urls(),
        ]

    def rotate_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Confirm (GET), then rotate (POST): the new key is shown once, the old one is
        revoked in the same transaction. A POST only, so a prefetching browser or a crawler
        following the link cannot break an IdP's connection. Another organization's key is
        a 404, like a key that does not exist."""
        api_key = self.get_object(request, unquote(object_id))
        if not self.has_change_permission(request, api_key):
            raise PermissionDenied
        change_url = reverse("admin:cosmo_scim_apikey_change", args=[api_key.pk])
        if request.method == "POST":
            try:
                with scope.writing_for(request, api_key.organization_id):
                    new_key, plaintext = APIKey.objects.rotate(api_key, by=request.user)
            except KeyNotRotatable as refused:
                self.message_user(request, str(refused), messages.ERROR)
                return HttpResponseRedirect(change_url)
            return self._redirect_to_key_once(request, new_key, plaintext, replaced=api_key)
        response = object_page(
            self,
            request,
            "admin/cosmo_scim/apikey/rotate_confirm.html",
            api_key,
            title=f"Rotate API key {api_key.name}",
            step="Rotate",
            api_key=api_key,
            change_url=change_url,
        )
        add_never_cache_headers(response)
        return response

    @admin.action(description="Revoke selected API keys", permissions=("change",))
    def revoke_keys(self, request: HttpRequest, queryset: APIKeyQuerySet) -> None:
        count = queryset.revoke()
        self.message_user(request, f"Revoked {count} API key(s).", messages.SUCCESS)
