from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404

from .models import Company


@login_required
def company_home(request, handle):
    """The company's page: for holders of an enabled seat only, checked on every request."""
    company = get_object_or_404(Company, handle=handle)
    if not company.seats.filter(holder=request.user, is_enabled=True).exists():
        return HttpResponse("No seat at this company.", status=403)
    return HttpResponse(f"Welcome to {company.name}")


@login_required
def home(request):
    """Where people land after logging in (LOGIN_REDIRECT_URL): their companies."""
    names = Company.objects.filter(seats__holder=request.user, seats__is_enabled=True)
    return HttpResponse(", ".join(names.values_list("name", flat=True)) or "No company")
