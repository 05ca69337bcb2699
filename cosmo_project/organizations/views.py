"""The organization dashboard: the page a member reaches, and loses, through provisioning."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from cosmo_scim import sso

from .models import Membership, Organization


@login_required
def home(request):
    memberships = list(
        Membership.objects.filter(user=request.user, is_active=True)
        .select_related("organization")
        .order_by("organization__name")
    )
    # A session only one organization's IdP signed in lists that organization alone.
    enterable = sso.entry.enterable(request, [m.organization_id for m in memberships])
    memberships = [m for m in memberships if m.organization_id in enterable]
    return render(request, "organizations/home.html", {"memberships": memberships})


@login_required
def dashboard(request, slug):
    organization = get_object_or_404(Organization, slug=slug)
    # Checked against the database on every request, never cached: a SCIM deactivation
    # must take effect on the member's very next page load.
    if not Membership.objects.filter(
        organization=organization, user=request.user, is_active=True
    ).exists():
        raise PermissionDenied("You are not an active member of this organization.")
    # How this session signed in must be good enough for this organization (SSO required,
    # or only another organization's IdP signed it in): sign in through its connection.
    if not sso.may_enter(request, organization):
        connection = organization.scim_sso.enabled().first()
        if connection is None:
            raise PermissionDenied("Sign in again to open this organization.")
        return redirect(
            f"{reverse('cosmo_scim_sso_start', args=[connection.key])}?next={request.path}"
        )
    members = sorted(
        organization.memberships.shown_in_organization(),
        key=lambda membership: (not membership.is_active, membership.shown.email),
    )
    return render(
        request,
        "organizations/dashboard.html",
        {"organization": organization, "members": members},
    )
