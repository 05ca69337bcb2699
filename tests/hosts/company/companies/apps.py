from django.apps import AppConfig


class CompaniesConfig(AppConfig):
    name = "tests.hosts.company.companies"
    label = "companies"
