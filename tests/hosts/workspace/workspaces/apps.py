from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "tests.hosts.workspace.workspaces"
    label = "workspaces"
