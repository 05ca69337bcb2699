"""The organization filter of cosmo_scim's changelists, without loading every tenant.

Django's related-field filter lists every organization (``RelatedFieldListFilter``), or
every organization that has a row in the table (``RelatedOnlyFieldListFilter``: a
``DISTINCT`` over millions of audit events): on a product with thousands of tenants,
each changelist view would read and render them all. Here:

- someone who acts for a few organizations (an org admin, scope.py) is offered those as
  links, read by primary key;
- someone who acts for more, or for every organization (a superuser), gets Django admin's
  autocomplete (the organization admin's ``search_fields``, ``/admin/autocomplete/``, which
  answers from the organization admin's own queryset, scoped by the same rule): only the
  chosen organization is read to show its name.

Choosing an organization filters on ``organization__id__exact``, the parameter the
provisioning overview's links use, written as scope.scoped writes one organization.
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.contrib.admin import AdminSite, ModelAdmin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.db.models import Count, Field, ForeignKey, Model, QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString

from ..host import Organization
from ..scim.tenant_scope import of_tenant_id
from . import scope

if TYPE_CHECKING:
    from django.contrib.admin.filters import _ListFilterChoices

# Up to this many organizations are offered as links.
LISTED = 20


def _searchable(model_admin: "ModelAdmin[Any]", remote_model: type[Model]) -> bool:
    remote_admin = model_admin.admin_site._registry.get(remote_model)
    return remote_admin is not None and bool(remote_admin.search_fields)


class OrganizationFilter(admin.FieldListFilter):
    template = "admin/cosmo_scim/organization_filter.html"

    def __init__(
        self,
        field: "ForeignKey[Any, Any]",
        request: HttpRequest,
        params: dict[str, str],
        model: type[Model],
        model_admin: "ModelAdmin[Any]",
        field_path: str,
    ) -> None:
        self.lookup_kwarg = f"{field_path}__{field.target_field.name}__exact"
        super().__init__(field, request, params, model, model_admin, field_path)
        # "By workspace", "By company": the host's word for its tenant. (A built model always
        # has a verbose_name; the stubs allow None, for before it is built.)
        self.title = field.remote_field.model._meta.verbose_name  # type: ignore[assignment]
        self.selected = self.used_parameters.get(self.lookup_kwarg)
        if isinstance(self.selected, list):
            self.selected = self.selected[-1] if self.selected else None
        organizations = scope.organizations(request).order_by("name", "pk")
        self.links: list[Organization] | None = None
        self.widget: SafeString | None = None
        if not scope.sees_everything(request) and len(scope.administered_ids(request)) <= LISTED:
            self.links = list(organizations)
        elif _searchable(model_admin, field.remote_field.model):
            choice = forms.ModelChoiceField(
                queryset=organizations,
                required=False,
                widget=AutocompleteSelect(
                    field,
                    model_admin.admin_site,
                    attrs={
                        "class": "cosmo-scim-organization-filter",
                        "data-lookup": self.lookup_kwarg,
                        "data-placeholder": "Search "
                        + str(field.remote_field.model._meta.verbose_name_plural),
                        "data-allow-clear": "true",
                    },
                ),
            )
            self.widget = choice.widget.render(
                self.lookup_kwarg, self.selected, attrs={"id": "cosmo-scim-organization"}
            )
        else:  # no searchable organization admin on this site: the first ones, by name
            self.links = list(organizations[:LISTED])

    def expected_parameters(self) -> list[str | None]:
        return [self.lookup_kwarg]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """The chosen organization's rows, by the tenant predicate (scope.scoped says why
        not ``=``)."""
        if self.selected is None:
            return queryset
        # The filter is listed on the organization foreign key (or a path ending in one).
        assert isinstance(self.field, ForeignKey)
        try:
            organization_id = self.field.target_field.to_python(self.selected)
        except ValidationError as invalid:
            raise IncorrectLookupParameters(invalid) from invalid
        return of_tenant_id(queryset, organization_id, self.field_path)

    def get_facet_counts(self, pk_attname: str, filtered_qs: QuerySet[Model]) -> dict[str, Count]:
        return {}

    def choices(self, changelist: ChangeList) -> "Iterator[_ListFilterChoices]":
        yield {
            "selected": self.selected is None,
            "query_string": changelist.get_query_string(remove=[self.lookup_kwarg]),
            "display": "All",
        }
        for organization in self.links or ():
            yield {
                "selected": str(organization.pk) == str(self.selected),
                "query_string": changelist.get_query_string({self.lookup_kwarg: organization.pk}),
                "display": str(organization),
            }


def organization_filter_media(field: "Field[Any, Any]", admin_site: AdminSite) -> forms.Media:
    """What the autocomplete needs on the changelist page: select2, Django's
    autocomplete.js, and the script that applies the choice."""
    return AutocompleteSelect(field, admin_site).media + forms.Media(
        js=["cosmo_scim/organization_filter.js"]
    )
