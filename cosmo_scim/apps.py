from django.apps import AppConfig


class CosmoScimConfig(AppConfig):
    name = "cosmo_scim"
    label = "cosmo_scim"
    verbose_name = "SCIM provisioning"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks, receivers  # noqa: F401  (registers checks, connects receivers)
