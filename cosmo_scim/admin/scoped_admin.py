"""The ``ModelAdmin`` base of every cosmo_scim screen: the scope rule (scope.py) applied to
lists, filters, forms, actions and writes."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db import router, transaction
from django.db.models import ForeignKey, Model, QuerySet
from django.forms import ModelChoiceField
from django.http import Http404, HttpRequest, HttpResponse

from . import scope
from .counts import EstimatedCountPaginator
from .organization_filter import OrganizationFilter, organization_filter_media

if TYPE_CHECKING:
    from django.contrib.admin.options import _ListFilterT

    # The type checker reads the mixins as what they are mixed into, a ModelAdmin of some
    # model (its rows are Any, as ModelAdmin[Any] has them); at run time they stay plain
    # classes, listed before admin.ModelAdmin.
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = object


class MissingObjectIs404(_ModelAdmin):
    """Django's change, history and delete views answer an object missing from
    ``get_queryset`` with a redirect and a "does not exist" message. A scoped queryset
    hides other organizations' rows: a plain 404 for a hidden and for a missing row alike."""

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj


class OrganizationChangeList(ChangeList):
    """A list of one organization's rows (its admin's, or filtered to it) is ordered by the
    organization first, then as asked: the same rows in the same order, which PostgreSQL
    can serve only from an index that starts with the organization (scope.scoped)."""

    def get_ordering(self, request: HttpRequest, queryset: QuerySet[Any]) -> list[Any]:
        ordering = super().get_ordering(request, queryset)
        chosen = any(
            isinstance(spec, OrganizationFilter) and spec.selected is not None
            for spec in self.filter_specs
        )
        if chosen or scope.acts_for_one(request):
            model_admin = cast("ScopedToOrganizationAdmin", self.model_admin)
            return [f"{model_admin.organization_field}_id", *ordering]
        return ordering


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

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return scope.scoped(request, super().get_queryset(request), self.organization_field)

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return OrganizationChangeList

    def _allowed(self, request: HttpRequest, obj: Any) -> bool:
        if obj is None:
            return scope.acts_for_any(request)
        return scope.acts_for(request, getattr(obj, f"{self.organization_field}_id"))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return scope.acts_for_any(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request, None)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, obj)

    # -- writes: the right is read again under lock, in the write's transaction -----------

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # Django's add and change views hold a transaction around this and what follows.
        scope.confirm_acts_for(request, getattr(obj, f"{self.organization_field}_id"))
        super().save_model(request, obj, form, change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        scope.confirm_acts_for(request, getattr(obj, f"{self.organization_field}_id"))
        super().delete_model(request, obj)

    def response_action(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | None:
        """A bulk action (revoke, resend, delete) runs in one transaction, on the selected
        rows of the organizations the user still acts for under the lock: the changelist
        built ``queryset`` from the request's first read of the right."""
        with transaction.atomic(using=router.db_for_write(self.model)):
            if not scope.sees_everything(request):
                if not scope.confirmed_ids(request):
                    raise PermissionDenied
                queryset = scope.scoped(request, queryset, self.organization_field)
            return super().response_action(request, queryset)

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> "ModelChoiceField[Any] | None":
        if db_field.name == self.organization_field:
            kwargs["queryset"] = scope.organizations(request)
            kwargs["label"] = scope.organization_label()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_list_display(self, request: HttpRequest) -> list[str | Callable[[Any], Any]]:
        # The column is headed with the host's word for its tenant, not the foreign key's,
        # and left out for an admin of one organization: every row would say the same.
        return [
            self._organization_column() if name == self.organization_field else name
            for name in super().get_list_display(request)
            if name != self.organization_field or not scope.acts_for_one(request)
        ]

    def _organization_column(self) -> Callable[[Model], Any]:
        field = self.organization_field

        @admin.display(description=scope.organization_label(), ordering=field)
        def column(obj: Any) -> Any:
            return getattr(obj, field)

        return column

    def get_list_filter(self, request: HttpRequest) -> "list[_ListFilterT]":
        # Django's related filters list every organization (or every one with a row in the
        # table); this one reads the user's few, or offers an autocomplete.
        field = self.organization_field
        return [
            (field, OrganizationFilter) if name == field else name
            for name in super().get_list_filter(request)
            if name != field or not scope.acts_for_one(request)
        ]

    @property
    def media(self) -> forms.Media:
        # Moments never wrap in a list (display.py): the lists are laid out to fit 1280 px.
        media = super().media + forms.Media(css={"all": ["cosmo_scim/admin_lists.css"]})
        if self.organization_field not in self.list_filter:
            return media
        field = self.model._meta.get_field(self.organization_field)
        return media + organization_filter_media(field, self.admin_site)
