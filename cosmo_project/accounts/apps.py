from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cosmo_project.accounts"
    label = "accounts"
    verbose_name = "Accounts"
