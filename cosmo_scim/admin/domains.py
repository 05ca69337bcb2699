"""Verified domains in Django admin: an org admin adds a domain, reads the TXT record to
publish, and clicks *Verify now*; an operator (superuser) can revoke a verification.

Scoped like every cosmo_scim screen (scope.py): another organization's domain is a 404 on
every URL, the verify and revoke URLs included. The page itself is read-only: a claim's
domain never changes (a verified claim renamed would carry its verification to a domain
nobody checked); the state changes are the buttons, through provisioning/domains.py.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import URLPattern, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString

from ..domain_names import InvalidDomain, normalize
from ..models import VerifiedDomain
from ..provisioning import domains
from ..provisioning.lifecycle import Actor
from .object_pages import object_page, object_page_url
from .scope import confirm_acts_for, sees_everything
from .scoped_admin import ScopedToOrganizationAdmin

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldOpts
    from django.utils.functional import _StrOrPromise

WHY = (
    "Verify your domain to let your identity provider change logins. Your IdP creates, "
    "updates and deactivates your members; but a person's account can also be in other "
    "organizations, so your IdP changes an account's login email, names or password state "
    "only when the old and the new address are both in a domain your organization has "
    "verified here (or when your IdP created the account and nobody has used it yet). "
    "Otherwise the change is kept in your organization's SCIM profile only. To verify a "
    "domain, publish the TXT record shown below in its DNS and click Verify now. A domain is "
    "verified by one organization at a time."
)


class VerifiedDomainForm(forms.ModelForm):
    class Meta:
        model = VerifiedDomain
        fields = ("organization", "domain")
        help_texts = {
            "domain": "The part after the @ of your members' addresses, e.g. example.com."
        }

    def clean_domain(self) -> str:
        try:
            return normalize(self.cleaned_data["domain"])
        except InvalidDomain as invalid:
            raise ValidationError(str(invalid)) from None


def status_in_words(claim: VerifiedDomain) -> str:
    """A claim's state in words."""
    if claim.is_verified:
        return f"Verified on {date_format(timezone.localtime(claim.verified_at), 'DATE_FORMAT')}."
    if claim.revoked_at:
        revoked = date_format(timezone.localtime(claim.revoked_at), "DATE_FORMAT")
        text = f"Verification revoked on {revoked}: publish the new value, then Verify now."
    else:
        text = "Not verified yet: publish the TXT record, then Verify now."
    if claim.checked_at:
        checked = date_format(timezone.localtime(claim.checked_at), "DATETIME_FORMAT")
        text += f" Last check ({checked}): {claim.get_check_result_display()}."
    return text


@admin.register(VerifiedDomain)
class VerifiedDomainAdmin(ScopedToOrganizationAdmin, admin.ModelAdmin):
    form = VerifiedDomainForm
    list_display = ("domain", "organization", "status")
    list_filter = ("organization",)
    search_fields = ("domain",)
    list_select_related = ("organization",)
    ordering = ("domain",)

    def get_fieldsets(
        self, request: HttpRequest, obj: VerifiedDomain | None = None
    ) -> "tuple[tuple[_StrOrPromise | None, _FieldOpts], ...]":
        fields: tuple[str, ...]
        if obj is None:
            fields = ("organization", "domain")
        else:
            fields = ("organization", "domain", "status", "record_to_publish")
        return ((None, {"fields": fields, "description": WHY}),)

    def get_readonly_fields(
        self, request: HttpRequest, obj: VerifiedDomain | None = None
    ) -> tuple[str, ...]:
        return () if obj is None else ("organization", "domain", "status", "record_to_publish")

    @admin.display(description="Status")
    def status(self, claim: VerifiedDomain) -> str:
        return status_in_words(claim)

    @admin.display(description="DNS record to publish (keep it published)")
    def record_to_publish(self, claim: VerifiedDomain) -> SafeString:
        return format_html(
            '<table class="txt-record"><tr><th>Type</th><td><code>TXT</code></td></tr>'
            '<tr><th>Name</th><td><code id="txt-name">{}</code></td></tr>'
            '<tr><th>Value</th><td><code id="txt-value">{}</code></td></tr></table>',
            claim.txt_name,
            claim.txt_value,
        )

    def has_change_permission(
        self, request: HttpRequest, obj: VerifiedDomain | None = None
    ) -> bool:
        # Read-only: the domain of a claim never changes; Verify now and Revoke are views.
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: VerifiedDomain | None = None
    ) -> bool:
        # A claim that is not verified (or no longer) can go; a verification is ended by an
        # operator's revocation, which is audited, never by deleting the row.
        if obj is not None and obj.is_verified:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(
        self, request: HttpRequest
    ) -> dict[str, tuple[Callable[..., str], str, str] | None]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def response_add(
        self, request: HttpRequest, obj: VerifiedDomain, post_url_continue: str | None = None
    ) -> HttpResponse:
        self.message_user(
            request,
            f"Added {obj.domain}. Publish the TXT record below, then click Verify now.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._page(obj))

    def _page(self, claim: VerifiedDomain) -> str:
        return reverse("admin:cosmo_scim_verifieddomain_change", args=[claim.pk])

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: VerifiedDomain | None = None,
    ) -> HttpResponse:
        context["can_verify"] = obj is not None and not obj.is_verified
        context["can_revoke"] = obj is not None and obj.is_verified and sees_everything(request)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self) -> list[URLPattern]:
        return [
            object_page_url(self, "verify/", self.verify_view, "verify"),
            object_page_url(self, "revoke/", self.revoke_view, "revoke"),
            *super().get_urls(),
        ]

    def _claim(self, request: HttpRequest, object_id: str) -> VerifiedDomain:
        """The claim if the user acts for its organization; 404 otherwise."""
        claim = self.get_object(request, unquote(object_id))
        if not self.has_view_permission(request, claim):
            raise PermissionDenied
        return claim

    def verify_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Verify now (a POST: it may write, and a prefetched link must not)."""
        claim = self._claim(request, object_id)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        outcome = domains.verify(
            claim,
            _actor(request),
            authorize=lambda: confirm_acts_for(request, claim.organization_id),
        )
        if outcome.verified:
            level = messages.SUCCESS
        elif outcome.result == VerifiedDomain.Check.TAKEN:
            level = messages.ERROR
        else:
            level = messages.WARNING
        self.message_user(request, outcome.message, level)
        return HttpResponseRedirect(self._page(claim))

    def revoke_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Confirm (GET), then revoke (POST) with a reason: operators only."""
        claim = self._claim(request, object_id)
        if not sees_everything(request):
            raise PermissionDenied
        if request.method == "POST":
            reason = request.POST.get("reason", "").strip()[:1000]
            if domains.revoke(claim, _actor(request), reason=reason):
                self.message_user(request, f"Revoked the verification of {claim.domain}.")
            else:
                self.message_user(request, f"{claim.domain} is not verified.", messages.WARNING)
            return HttpResponseRedirect(self._page(claim))
        return object_page(
            self,
            request,
            "admin/cosmo_scim/verifieddomain/revoke_confirm.html",
            claim,
            title=f"Revoke the verification of {claim.domain}",
            step="Revoke",
            claim=claim,
            change_url=self._page(claim),
        )


def _actor(request: HttpRequest) -> Actor:
    return Actor(user=request.user, remote_addr=request.META.get("REMOTE_ADDR"))
