"""The "SCIM provisioning" page of an organization in Django admin.

The app does not own the organization model, so it cannot register its admin; the host
mixes :class:`ProvisioningAdminMixin` into its own organization ``ModelAdmin`` (see
docs/integrate.md). That adds, per organization, an overview at ``<pk>/scim/`` — plan and
entitlement, SCIM keys, member, invitation and group counts, the latest provisioning
events — and
the orphaned access report with its deactivate action, which goes through the lifecycle
service like an IdP's deactivation.

The overview is cosmo_scim's, so it follows cosmo_scim's scope rule (scope.py): an
organization's admins (and superusers) see and use it, nobody else — Django permissions on
the organization model do not reach it. The organization pages themselves stay the host's:
changing an organization (its plan) is governed by the host's Django permissions, and an
org admin without them sees their own organizations only, read-only, as the way in to
their overviews.
"""

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, URLPattern, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString

from .. import conf
from ..host import Organization, host_adapter
from ..host_fields import membership_lookups, person_of
from ..models import APIKey, AuditEvent, Invitation, RoleMapping, ScimGroup, ScimUser
from ..provisioning import lifecycle, orphans
from . import display, scope
from .object_pages import object_page, object_page_url
from .scoped_admin import MissingObjectIs404

# How many provisioning events the overview shows; the audit trail admin has the rest.
RECENT_EVENTS = 20


class ProvisioningAdminMixin(MissingObjectIs404):
    """Mix into the host's ``ModelAdmin`` of ``COSMO_SCIM["ORGANIZATION_MODEL"]``."""

    change_form_template = "admin/cosmo_scim/organization/change_form.html"

    def get_urls(self) -> list[URLPattern]:
        return [
            object_page_url(self, "scim/", self.scim_overview_view, "scim"),
            object_page_url(
                self,
                "scim/deactivate-orphans/",
                self.scim_deactivate_orphans_view,
                "scim_deactivate_orphans",
            ),
            *super().get_urls(),
        ]

    def _scim_url(self, organization: Organization, suffix: str = "") -> str:
        info = self.opts.app_label, self.opts.model_name
        return reverse("admin:{}_{}_scim{}".format(*info, suffix), args=[quote(organization.pk)])

    @admin.display(description="SCIM")
    def scim_provisioning(self, organization: Organization) -> SafeString:
        """A list_display column linking to the overview."""
        return format_html('<a href="{}">SCIM provisioning</a>', self._scim_url(organization))

    def _host_grants_view(self, request: HttpRequest, obj: Organization | None = None) -> bool:
        """What the host's own Django permissions allow on its organization pages."""
        return super().has_view_permission(request, obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organization]:
        queryset = super().get_queryset(request)
        if self._host_grants_view(request):
            return queryset
        return scope.scoped(request, queryset, "pk")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return super().has_module_permission(request) or scope.acts_for_any(request)

    def has_view_permission(self, request: HttpRequest, obj: Organization | None = None) -> bool:
        if self._host_grants_view(request, obj):
            return True
        if obj is None:
            return scope.acts_for_any(request)
        return scope.acts_for(request, obj.pk)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        organization = self.get_object(request, unquote(object_id))
        extra_context = extra_context or {}
        if scope.acts_for(request, organization.pk):
            extra_context["scim_overview_url"] = self._scim_url(organization)
        return super().change_view(request, object_id, form_url, extra_context)

    def scim_overview_view(self, request: HttpRequest, object_id: str) -> TemplateResponse:
        organization = scope.organization_or_404(request, unquote(object_id))
        context = {
            "organization": organization,
            "plan": _plan(organization),
            "scim_allowed": host_adapter().scim_allowed(organization),
            "scim_refusal": host_adapter().scim_refusal(organization),
            "scim_base_url": _scim_base_url(request),
            "keys": _key_rows(organization),
            "add_key_url": reverse("admin:cosmo_scim_apikey_add")
            + "?"
            + urlencode({"organization": organization.pk, "scim": "on"}),
            "counts": _member_counts(organization),
            "invitations": _invitation_counts(organization),
            "invitations_url": _of_organization("invitation", organization),
            "groups": ScimGroup.objects.filter(organization=organization).count(),
            "role_mappings": RoleMapping.objects.filter(organization=organization).count(),
            "role_mappings_url": _of_organization("rolemapping", organization),
            "events": AuditEvent.objects.filter(organization=organization)[:RECENT_EVENTS],
            "events_url": _of_organization("auditevent", organization),
            "scim_provisioned": orphans.scim_provisioned(organization),
            "orphans": orphans.find(organization),
            "you": request.user.pk,
            "stale_days": conf.get("IDP_LINK_STALE_DAYS"),
            "deactivate_url": self._scim_url(organization, "_deactivate_orphans"),
        }
        return object_page(
            self,
            request,
            "admin/cosmo_scim/provisioning_overview.html",
            organization,
            title=f"SCIM provisioning: {organization}",
            step="SCIM provisioning",
            **context,
        )

    def scim_deactivate_orphans_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Deactivate the selected orphans, each through the lifecycle service. Only members
        that are orphaned *now* are touched, whatever ids the form carries."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        organization = scope.organization_or_404(request, unquote(object_id))
        overview = self._scim_url(organization)
        reason = request.POST.get("reason", "").strip()
        selected = set(request.POST.getlist("membership"))
        if not selected or not reason:
            self.message_user(
                request, "Select members and give a reason for the audit trail.", messages.ERROR
            )
            return HttpResponseRedirect(overview)
        actor = lifecycle.Actor(user=request.user, remote_addr=request.META.get("REMOTE_ADDR"))
        with scope.writing_for(request, organization.pk):
            chosen = [o for o in orphans.find(organization) if str(o.membership.pk) in selected]
            # Never the signed-in admin herself: the overview offers no box for her, and a
            # form that names her anyway (a forged or stale one) is refused here.
            others = [orphan for orphan in chosen if orphan.person.pk != request.user.pk]
            yours = len(others) < len(chosen)
            done = [
                orphan.membership
                for orphan in others
                if lifecycle.deactivate_membership(orphan.membership, actor, reason)
            ]
        if yours:
            self.message_user(
                request,
                "Your own access is not ended from here: another admin of "
                f"{organization} can review it.",
                messages.ERROR,
            )
        if others or not yours:
            self.message_user(
                request,
                f"Deactivated {len(done)} member(s): " + ", ".join(str(person_of(m)) for m in done)
                if done
                else "Nothing to deactivate: the selected members are no longer orphaned.",
                messages.SUCCESS if done else messages.WARNING,
            )
        return HttpResponseRedirect(overview)


def _plan(organization: Organization) -> Any:
    label = getattr(organization, "get_plan_display", None)
    return label() if callable(label) else getattr(organization, "plan", None)


def _scim_base_url(request: HttpRequest) -> str | None:
    try:
        return request.build_absolute_uri(reverse("scim:root")).rstrip("/")
    except NoReverseMatch:  # the host has not mounted the SCIM URLs
        return None


# ``organization``: Any, as scope.organization_or_404 gives it (for lookups on keys).
def _key_rows(organization: Any) -> list[dict[str, Any]]:
    now = timezone.now()
    rows: list[dict[str, Any]] = []
    for key in (
        APIKey.objects.filter(organization=organization, scim=True)
        .select_related("replaced_by")
        .order_by("revoked", "-created")
    ):
        state = display.key_state(key, now)
        if state == "rotated":
            state = f"rotated (now {key.replaced_by.prefix})"
        rows.append({"key": key, "state": state})
    return rows


def _member_counts(organization: Organization) -> dict[str, int]:
    """Provisioned members by state. One awaiting consent (an attached account that has not
    accepted) has an inactive membership but is not deactivated: the IdP assigns them.

    The memberships are joined on the organization too (they are always the member's):
    without it PostgreSQL hashes the whole membership table to join a large tenant's
    members, with it each side reads the organization's rows only (the members from
    ``cosmo_scim_user_members`` alone: what is counted is a column of it, not the key)."""
    pending = Q(consent_pending=True)

    def active(value: bool) -> Q:
        return Q(**membership_lookups(via="membership", active=value))

    return ScimUser.objects.filter(
        Q(organization=organization),
        Q(**membership_lookups(via="membership", organization=organization)),
    ).aggregate(
        provisioned=Count("membership"),
        active=Count("membership", filter=active(True)),
        awaiting_consent=Count("membership", filter=pending),
        deactivated=Count("membership", filter=active(False) & ~pending),
    )


# ``organization``: Any, as scope.organization_or_404 gives it (for lookups on invitations).
def _invitation_counts(organization: Any) -> dict[str, int]:
    """The organization's invitations that need an eye, by state: only those are read
    (``cosmo_scim_invite_state``), not the accepted thousands."""
    status = Invitation.Status
    counted = (status.PENDING, status.FAILED, status.UNCONFIRMED)
    return Invitation.objects.filter(organization=organization, status__in=counted).aggregate(
        pending=Count("status", filter=Q(status=status.PENDING)),
        failed=Count("status", filter=Q(status=status.FAILED)),
        unconfirmed=Count("status", filter=Q(status=status.UNCONFIRMED)),
    )


def _of_organization(model_name: str, organization: Organization) -> str:
    """A cosmo_scim changelist filtered to the organization, by the parameter its
    organization filter reads (``organization__<key name>__exact``: the host's key may be
    named otherwise than ``id``, and a text key is quoted)."""
    lookup = f"organization__{organization._meta.pk.name}__exact"
    changelist = reverse(f"admin:cosmo_scim_{model_name}_changelist")
    return changelist + "?" + urlencode({lookup: organization.pk})
