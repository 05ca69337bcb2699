"""Invitation links; the host mounts them with
``path("invitations/", include("cosmo_scim.invitations.urls"))``."""

from django.urls import path

from . import views

app_name = "cosmo_scim_invitations"

urlpatterns = [
    path("accept/", views.accept, name="accept-submit"),
    # The emailed link; it redirects to the token-free page above (views.py).
    path("<str:token>/", views.open_link, name="accept"),
]
