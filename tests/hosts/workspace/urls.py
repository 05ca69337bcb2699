from django.urls import path

from tests.hosts import common_urls

from .workspaces import views

urlpatterns = [
    path("", views.home, name="home"),
    path("w/<slug:slug>/", views.workspace_home, name="workspace-home"),
    *common_urls.urlpatterns,
]
