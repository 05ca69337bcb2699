from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404

from .models import Workspace


@login_required
def workspace_home(request, slug):
    """The workspace's page: for its active members only, checked on every request."""
    workspace = get_object_or_404(Workspace, slug=slug)
    if not workspace.members.filter(user=request.user, active=True).exists():
        return HttpResponse("Not a member of this workspace.", status=403)
    return HttpResponse(f"Welcome to {workspace.name}")


@login_required
def home(request):
    """Where people land after logging in (LOGIN_REDIRECT_URL): their workspaces."""
    names = Workspace.objects.filter(members__user=request.user, members__active=True)
    return HttpResponse(", ".join(names.values_list("name", flat=True)) or "No workspace")
