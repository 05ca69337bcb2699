from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "cosmo_project.organizations"
    label = "organizations"
    verbose_name = "Organizations"
