"""A changelist of one organization's rows reads that organization's rows.

Filtered to one organization (by its filter, or because the user administers exactly
one), ``organization_id = X ORDER BY -pk LIMIT 100`` lets PostgreSQL walk the primary key
(or ``created_at``) and filter out every other tenant's row until it has a page: for a
sparse or dormant tenant that is most of the table. As the SCIM reads do
(scim/tenant_scope.py), such a list is scoped with ``organization_id = ANY(ARRAY[X])``
(the organization filter and scope.scoped) and ordered here by the organization first —
the same rows in the same order, which only an index that starts with the organization
can serve.
"""

from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.db.models import F

from ..scim.tenant_scope import TENANT
from .scope import administered_ids, sees_everything


def shown_organization(request, model_admin):
    """The key of the one organization a changelist shows, or None."""
    field = model_admin.model._meta.get_field(model_admin.organization_field)
    chosen = request.GET.get(f"{field.name}__{field.target_field.name}__exact")
    if chosen:
        try:
            return field.target_field.to_python(chosen)
        except ValidationError:
            return None  # Django's filter answers it
    if sees_everything(request):
        return None
    ids = administered_ids(request)
    return next(iter(ids)) if len(ids) == 1 else None


class TenantFirstChangeList(ChangeList):
    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        if self.model_admin.organization_field != "organization":
            return queryset  # reached through another model (an SSO identity's connection)
        key = shown_organization(request, self.model_admin)
        if key is None:
            return queryset
        return queryset.order_by(F(TENANT).asc(), *queryset.query.order_by)
