"""Settings of the workspace host (Django's ``auth.User``, ``Workspace``,
``WorkspaceMember``, ``Squad``) on top of what every test host shares."""

from tests.hosts.common_settings import *  # noqa: F403
from tests.hosts.common_settings import installed_apps

SECRET_KEY = "workspace-test-host-" + "0" * 40
INSTALLED_APPS = installed_apps("tests.hosts.workspace.workspaces")
ROOT_URLCONF = "tests.hosts.workspace.urls"
DEFAULT_FROM_EMAIL = "Workspace <no-reply@workspace.example>"

COSMO_SCIM = {
    "ORGANIZATION_MODEL": "workspaces.Workspace",
    "MEMBERSHIP_MODEL": "workspaces.WorkspaceMember",
    "TEAM_MODEL": "workspaces.Squad",
    "MEMBERSHIP_FIELDS": {"organization": "workspace", "active": "active"},
    "TEAM_FIELDS": {"organization": "workspace", "name": "title", "members": "people"},
    "HOST_ADAPTER": "tests.hosts.workspace.workspaces.scim.WorkspaceAdapter",
    "PRODUCT_NAME": "Workspace",
    "API_KEY_PREFIX": "ws_",
}
