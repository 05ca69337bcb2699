"""The organization dashboard: the page a member reaches, and loses, through provisioning."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render

from .models import Membership, Organization


@login_required
def home(request):
    memberships = (
        Membership.objects.filter(user=request.user, is_active=True)
        .select_related("organization")
        .order_by("organization__name")
    )
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
    members = organization.memberships.select_related("user").order_by("-is_active", "user__email")
    return render(
        request,
        "organizations/dashboard.html",
        {"organization": organization, "members": members},
    )
