from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from cosmo_project.organizations import api, views

urlpatterns = [
    # First: the prefixes do not overlap, and every IdP request would otherwise try each
    # pattern listed before it.
    path("scim/v2/", include("cosmo_scim.urls")),
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("orgs/<slug:slug>/", views.dashboard, name="org-dashboard"),
    path("api/v1/members/", api.MemberList.as_view(), name="api-members"),
    path("invitations/", include("cosmo_scim.invitations.urls")),
    path("sso/", include("cosmo_scim.sso.urls")),
]
