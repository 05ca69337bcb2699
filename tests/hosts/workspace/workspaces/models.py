"""A product's own tenancy, named its own way: workspaces and squads keyed by text
(``"ws-…"``, ``"sq-…"``), so the app's tables refer to a CharField key."""

import secrets

from django.conf import settings
from django.db import models


def new_workspace_key():
    return "ws-" + secrets.token_hex(6)


def new_squad_key():
    return "sq-" + secrets.token_hex(6)


class Workspace(models.Model):
    id = models.CharField(primary_key=True, max_length=20, default=new_workspace_key)
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    plan = models.CharField(
        max_length=20,
        choices=[("free", "Free"), ("team", "Team"), ("enterprise", "Enterprise")],
        default="free",
    )

    def __str__(self):
        return self.name


class WorkspaceMember(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workspace_members"
    )
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="members")
    role = models.CharField(
        max_length=20,
        choices=[("admin", "Admin"), ("developer", "Developer"), ("viewer", "Viewer")],
        default="viewer",
    )
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("user", "workspace"), name="one_member_per_workspace")
        ]

    def __str__(self):
        return f"{self.user} in {self.workspace}"


class Squad(models.Model):
    id = models.CharField(primary_key=True, max_length=20, default=new_squad_key)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="squads")
    title = models.CharField(max_length=255)
    people = models.ManyToManyField(WorkspaceMember, related_name="squads", blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("workspace", "title"), name="one_title_per_workspace")
        ]

    def __str__(self):
        return self.title
