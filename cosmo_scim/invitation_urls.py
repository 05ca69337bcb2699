"""Invitation links; the host mounts them with
``path("invitations/", include("cosmo_scim.invitation_urls"))``."""

from django.urls import path

from . import invitation_views

app_name = "cosmo_scim_invitations"

urlpatterns = [
    path("accept/", invitation_views.accept, name="accept-submit"),
    path("<str:token>/", invitation_views.show, name="accept"),
]
