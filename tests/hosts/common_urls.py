"""The URLs every test host has: the admin, Django's login and password pages, and
cosmo_scim's SCIM and invitation URLs mounted as docs/integrate.md says. A host's urls.py
adds its own pages."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("scim/v2/", include("cosmo_scim.urls")),
    path("invitations/", include("cosmo_scim.invitations.urls")),
]
