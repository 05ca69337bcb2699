"""Whose organizations a person may see and change in Django admin: the one scope rule.

Cosmo is multi-tenant; its customers' admins use the same Django admin. So the admin must
not be governed by Django's model permissions, which are global ("may change API keys" —
of every organization). The rule instead:

- a **superuser** acts for every organization (the product's operators);
- anyone else acts for the organizations they **administer**: an active membership with the
  host's admin role, as ``HostAdapter.administered_organization_ids`` decides. A staff flag
  or Django model permissions never add an organization to that.

The right comes from the membership, read once per request, so a SCIM deactivation or a
role change takes it away on the very next request. It is narrowed by how the session signed
in (sso/entry.py): an organization that requires SSO is administered only from a session
that signed in through one of its connections, and a session only another organization's
IdP signed in administers nothing else. Every cosmo_scim ``ModelAdmin`` applies
the rule through :class:`ScopedToOrganizationAdmin`; the host's organization admin applies
it through ``ProvisioningAdminMixin`` (provisioning.py), with the helpers below.

A write reads the right once more, in its own transaction and under a row lock on what a
deactivation or a demotion writes (:func:`confirm_acts_for`, :func:`writing_for`). The
request's first read is not enough: an admin being deactivated who submits "Add API key"
passed it before the deactivation committed, and their key, written after the deactivation
had revoked their keys, outlived it (issue 20, reproduction 4). Under the lock the write
either commits first — and the deactivation, which waits for the lock, then revokes what it
made — or waits for the deactivation and is refused.
"""

from contextlib import contextmanager

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router, transaction
from django.http import Http404
from django.utils.text import capfirst

from .. import conf
from ..host import host_adapter
from ..host_fields import memberships
from ..sso import entry
from .counts import EstimatedCountPaginator

_CACHE = "_cosmo_scim_administered_ids"


def sees_everything(request):
    """Superusers keep the whole-product view."""
    user = request.user
    return user.is_active and user.is_superuser


def administered_ids(request):
    """The ids of the organizations the request's user administers, read once per request
    (and again if the request's user changes, as it does at login)."""
    user = request.user
    cached = getattr(request, _CACHE, None)
    if cached is not None and cached[0] == user.pk:
        return cached[1]
    ids = frozenset(entry.enterable(request, _administered_by(user)))
    setattr(request, _CACHE, (user.pk, ids))
    return ids


def _administered_by(user):
    if not (user.is_authenticated and user.is_active):
        return frozenset()
    return frozenset(host_adapter().administered_organization_ids(user))


def _confirmed_ids(request):
    """The organizations the user administers, read again under row locks on the user's
    account and then their memberships: the rows a SCIM deactivation, a removal, a role
    change or an operator's change writes (account before membership, the order in which
    the lifecycle service writes them, so the two never wait for each other in a circle).
    ``FOR NO KEY UPDATE``: inserting a row that refers to them (the key being made) does
    not wait. The answer is the request's scope from now on."""
    user = request.user
    account = get_user_model()._default_manager.select_for_update(no_key=True)
    list(account.filter(pk=user.pk).values_list("pk", flat=True))
    list(memberships(person=user).select_for_update(no_key=True).values_list("pk", flat=True))
    ids = frozenset(entry.enterable(request, _administered_by(user)))
    setattr(request, _CACHE, (user.pk, ids))
    return ids


def confirm_acts_for(request, organization_id):
    """Raise PermissionDenied unless the user still acts for the organization, read under
    the locks of :func:`_confirmed_ids`. Call it inside the write's transaction, before the
    write: the locks last until it commits."""
    if sees_everything(request):
        return
    if organization_id not in _confirmed_ids(request):
        raise PermissionDenied


@contextmanager
def writing_for(request, organization_id):
    """A transaction for an admin write to one organization, opened with
    :func:`confirm_acts_for` (for the admin's own views: rotating a key, deactivating
    orphaned access)."""
    with transaction.atomic():
        confirm_acts_for(request, organization_id)
        yield


def administers_any(user):
    """Does this person administer an organization? For a login, where the person is not
    the request's user yet."""
    return bool(_administered_by(user))


def acts_for_any(request):
    """May the user act for at least one organization (enter the cosmo_scim admin)?"""
    return sees_everything(request) or bool(administered_ids(request))


def acts_for(request, organization_id):
    return sees_everything(request) or organization_id in administered_ids(request)


def scoped(request, queryset, field="organization"):
    """``queryset`` limited to the rows of the organizations the user acts for; ``field`` is
    the path to the organization ("pk" for a queryset of organizations)."""
    if sees_everything(request):
        return queryset
    return queryset.filter(**{f"{field}__in": administered_ids(request)})


def organizations(request):
    """The organizations the user acts for: what an organization field may offer."""
    return scoped(request, conf.organization_model()._default_manager.all(), "pk")


def _of_one(request):
    """Does the user act for exactly one organization (nothing to choose between)?"""
    return not sees_everything(request) and len(administered_ids(request)) == 1


def organization_label():
    """What the host calls its tenant, as its model says ("Workspace", "Company"): the
    organization column, field and filter of every cosmo_scim screen."""
    return capfirst(conf.organization_model()._meta.verbose_name)


def organization_or_404(request, object_id):
    """The organization ``object_id`` names if the user acts for it; a 404 otherwise, the
    same as for an id that does not exist."""
    queryset = organizations(request)
    model = queryset.model
    try:
        return queryset.get(pk=model._meta.pk.to_python(object_id))
    except (model.DoesNotExist, ValidationError, ValueError) as missing:
        raise Http404 from missing


class MissingObjectIs404:
    """Django's change, history and delete views answer an object missing from
    ``get_queryset`` with a redirect and a "does not exist" message. A scoped queryset
    hides other organizations' rows: a plain 404 for a hidden and for a missing row alike."""

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj


class ScopedToOrganizationAdmin(MissingObjectIs404):
    """Mix into every ``ModelAdmin`` of a model with an ``organization`` foreign key.

    Lists, filters, actions and forms see only the rows of the organizations the user acts
    for; any other row is a 404 by URL, exactly like a row that does not exist (so ids do
    not reveal other tenants). Within those organizations the user may view, add, change
    and delete; a subclass narrows that for its model (keys are never deleted, say) by
    overriding a ``has_*_permission`` method and returning False.
    """

    organization_field = "organization"
    # Never a COUNT of the whole table per page view (counts.py).
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def get_queryset(self, request):
        return scoped(request, super().get_queryset(request), self.organization_field)

    def _allowed(self, request, obj):
        if obj is None:
            return acts_for_any(request)
        return acts_for(request, getattr(obj, f"{self.organization_field}_id"))

    def has_module_permission(self, request):
        return acts_for_any(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, obj)

    def has_add_permission(self, request):
        return self._allowed(request, None)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request, obj)

    # -- writes: the right is read again under lock, in the write's transaction -----------

    def save_model(self, request, obj, form, change):
        # Django's add and change views hold a transaction around this and what follows.
        confirm_acts_for(request, getattr(obj, f"{self.organization_field}_id"))
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        confirm_acts_for(request, getattr(obj, f"{self.organization_field}_id"))
        super().delete_model(request, obj)

    def response_action(self, request, queryset):
        """A bulk action (revoke, resend, delete) runs in one transaction, on the selected
        rows of the organizations the user still acts for under the lock: the changelist
        built ``queryset`` from the request's first read of the right."""
        with transaction.atomic(using=router.db_for_write(self.model)):
            if not sees_everything(request):
                if not _confirmed_ids(request):
                    raise PermissionDenied
                queryset = scoped(request, queryset, self.organization_field)
            return super().response_action(request, queryset)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == self.organization_field:
            kwargs["queryset"] = organizations(request)
            kwargs["label"] = organization_label()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_list_display(self, request):
        # The column is headed with the host's word for its tenant, not the foreign key's,
        # and left out for an admin of one organization: every row would say the same.
        return [
            self._organization_column() if name == self.organization_field else name
            for name in super().get_list_display(request)
            if name != self.organization_field or not _of_one(request)
        ]

    def _organization_column(self):
        field = self.organization_field

        def column(obj):
            return getattr(obj, field)

        column.short_description = organization_label()
        column.admin_order_field = field
        return column

    def get_list_filter(self, request):
        # Django's related filters list every organization (or every one with a row in the
        # table); this one reads the user's few, or offers an autocomplete.
        from .organization_filter import OrganizationFilter

        return [
            (name, OrganizationFilter) if name == self.organization_field else name
            for name in super().get_list_filter(request)
            if name != self.organization_field or not _of_one(request)
        ]

    @property
    def media(self):
        # Moments never wrap in a list (display.py): the lists are laid out to fit 1280 px.
        media = super().media + forms.Media(css={"all": ["cosmo_scim/admin_lists.css"]})
        if self.organization_field not in self.list_filter:
            return media
        from .organization_filter import organization_filter_media

        field = self.model._meta.get_field(self.organization_field)
        return media + organization_filter_media(field, self.admin_site)
