"""The Django admin site organizations' own admins can sign in to.

Django's default site admits staff only, and staff see what their global model permissions
allow in every organization. A customer's admin is neither: they are an org admin (the
admin role in an active membership) and must reach only their organizations' keys,
invitations, audit trail and role mappings. This site admits them with their own email and
password, no staff flag needed; what they then see is decided per model by the scope rule
(cosmo_scim/admin/scope.py). The host installs it by listing
``cosmo_scim.apps.OrgAdminConfig`` instead of ``django.contrib.admin`` (Django's
documented way of overriding the default site); check ``cosmo_scim.W001`` warns if not.

Django imports this module when the default site is first used, after the apps are loaded:
the login form's module imports the user model. The scope rule is imported where it is
used, not here: cosmo_scim.admin registers its model admins on the default site as it is
imported, and the default site is being set up while this module is imported.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.utils import unquote
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponseBadRequest
from django.http.response import HttpResponseBase

from . import conf
from .protocol.limits import unstorable

# A Django view (admin_view keeps its type).
V = TypeVar("V", bound=Callable[..., HttpResponseBase])


class OrgAdminAuthenticationForm(AdminAuthenticationForm):
    """Admits staff and org admins. Anyone else — a viewer or developer member, a
    deactivated admin — gets Django's usual refusal, which does not say whether the password
    was right."""

    def confirm_login_allowed(self, user: Any) -> None:
        AuthenticationForm.confirm_login_allowed(self, user)  # refuses inactive accounts
        from .admin import scope

        if not (user.is_staff or scope.administers_any(user)):
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )
        if not user.is_staff:
            _refuse_where_sso_is_required(user)


def _refuse_where_sso_is_required(user: Any) -> None:
    """An org admin whose every organization requires SSO would sign in by password and be
    sent back to this page with nothing to see (the scope admits no password session there,
    sso/entry.py): say where to sign in instead. Asked only once the password was right, so
    it tells nobody else anything."""
    from .host import host_adapter
    from .sso.endpoints import login_url
    from .sso.entry import requiring_connections

    administered = set(host_adapter().administered_organization_ids(user))
    connections = list(requiring_connections(administered).select_related("organization"))
    if not administered or {c.organization_id for c in connections} != administered:
        return
    places = sorted({f"{c.organization}: {login_url(c)}" for c in connections})
    raise ValidationError(
        "Your organization requires signing in through its identity provider, not by "
        "password. Sign in at " + "; ".join(places),
        code="sso_required",
    )


def _refuse_unstorable(view: V) -> V:
    """The admin's input boundary, the same rule as SCIM's (cosmo_scim.protocol.limits):
    a URL id PostgreSQL cannot compare (a NUL: ``/admin/cosmo_scim/apikey/a%00b/rotate/``,
    or ``a_00b``, which the admin's own id quoting turns into one) names nothing (404), and
    such a query or form value (a search, a bulk action's selection) is a 400 — instead of
    psycopg's ``DataError`` as a 500."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        ids = [value for value in kwargs.values() if isinstance(value, str)]
        if any(unstorable(value) or unstorable(unquote(value)) for value in ids):
            raise Http404("No such object")
        for params in (request.GET, request.POST):
            for name, values in params.lists():
                if any(unstorable(text) for text in (name, *values)):
                    return HttpResponseBadRequest("The request contains a NUL or a lone surrogate")
        return view(request, *args, **kwargs)

    return cast(V, guarded)


def _product_words(named: str, neutral: str) -> str:
    name = conf.get("PRODUCT_NAME")
    return named.format(name) if name else neutral


class OrgAdminSite(admin.AdminSite):
    login_form = OrgAdminAuthenticationForm
    # Django's, plus why a deactivation signed this browser out (provisioning/sessions.py).
    login_template = "admin/cosmo_scim/login.html"
    # No navigation sidebar: it took a fifth of a 1280 px screen and pushed the lists' last
    # columns out of sight. The index and the breadcrumbs lead to every screen.
    enable_nav_sidebar = False

    # The product's name (COSMO_SCIM["PRODUCT_NAME"]) where Django says "Django
    # administration"; a host that names none reads a neutral word.
    @property
    def site_header(self) -> str:  # type: ignore[override]  # Django: an attribute
        return _product_words("{} administration", "Administration")

    @property
    def site_title(self) -> str:  # type: ignore[override]  # Django: an attribute
        return _product_words("{} admin", "Admin")

    def admin_view(self, view: V, cacheable: bool = False) -> V:
        """Every admin page — Django's and cosmo_scim's own (key rotation, the provisioning
        overview) — passes the input boundary before anything reads the database."""
        return super().admin_view(_refuse_unstorable(view), cacheable)

    def has_permission(self, request: HttpRequest) -> bool:
        """Active staff, and anyone who administers an organization right now. Asked on
        every admin request, so a deactivated or demoted org admin is out on their next
        one (and sent to the login page)."""
        from .admin import scope

        user = request.user
        return user.is_active and (user.is_staff or bool(scope.administered_ids(request)))
