"""cosmo_scim's app configs: the app itself, and Django's admin with cosmo_scim's site.

``OrgAdminConfig`` is ``django.contrib.admin``'s own config with the default site replaced
by :class:`cosmo_scim.admin_site.OrgAdminSite` (Django's documented way to do it); the host
lists ``"cosmo_scim.apps.OrgAdminConfig"`` instead of ``"django.contrib.admin"``. This
module imports nothing else of cosmo_scim: Django imports it while the apps are loading, and
``default_site`` is a dotted path, imported later. (Django's AdminConfig is reached
through its module, not imported by name: Django would take a second class named here as a
candidate default config of this app.)
"""

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CosmoScimConfig(AppConfig):
    # Two configs live here; "cosmo_scim" in INSTALLED_APPS means this one.
    default = True
    name = "cosmo_scim"
    label = "cosmo_scim"
    verbose_name = "SCIM provisioning"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the receivers)
        from .checks import register_checks

        register_checks()


class OrgAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "cosmo_scim.admin_site.OrgAdminSite"
