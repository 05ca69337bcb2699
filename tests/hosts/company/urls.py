from django.urls import path

from tests.hosts import common_urls

from .companies import views

urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:handle>/", views.company_home, name="company-home"),
    *common_urls.urlpatterns,
]
