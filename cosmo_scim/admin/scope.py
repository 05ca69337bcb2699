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
IdP signed in administers nothing else. Every cosmo_scim ``ModelAdmin`` applies the rule
through ``ScopedToOrganizationAdmin`` (scoped_admin.py); the host's organization admin
applies it through ``ProvisioningAdminMixin`` (provisioning.py), with the functions below.

A write reads the right once more, in its own transaction and under a row lock on what a
deactivation or a demotion writes (:func:`confirm_acts_for`, :func:`writing_for`). The
request's first read is not enough: an admin being deactivated who submits "Add API key"
passed it before the deactivation committed, and their key, written after the deactivation
had revoked their keys, outlived it (issue 20, reproduction 4). Under the lock the write
either commits first — and the deactivation, which waits for the lock, then revokes what it
made — or waits for the deactivation and is refused.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.utils.text import capfirst

from .. import conf
from ..host import Key, Organization, host_adapter
from ..host_fields import memberships
from ..scim.tenant_scope import of_tenant_id
from ..sso import entry

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise

_CACHE = "_cosmo_scim_administered_ids"

M = TypeVar("M", bound=Model)


def sees_everything(request: HttpRequest) -> bool:
    """Superusers keep the whole-product view."""
    user = request.user
    return user.is_active and user.is_superuser


def administered_ids(request: HttpRequest) -> frozenset[Key]:
    """The ids of the organizations the request's user administers, read once per request
    (and again if the request's user changes, as it does at login)."""
    user = request.user
    cached = getattr(request, _CACHE, None)
    if cached is not None and cached[0] == user.pk:
        return cached[1]
    ids = frozenset(entry.enterable(request, _administered_by(user)))
    setattr(request, _CACHE, (user.pk, ids))
    return ids


def _administered_by(user: AbstractBaseUser | AnonymousUser) -> frozenset[Key]:
    if not (user.is_authenticated and user.is_active):
        return frozenset()
    return frozenset(host_adapter().administered_organization_ids(user))


def confirmed_ids(request: HttpRequest) -> frozenset[Key]:
    """The organizations the user administers, read again under row locks on the user's
    account and then their memberships: the rows a SCIM deactivation, a removal, a role
    change or an operator's change writes (account before membership, the order in which
    the lifecycle service writes them, so the two never wait for each other in a circle).
    ``FOR NO KEY UPDATE``: inserting a row that refers to them (the key being made) does
    not wait. The answer is the request's scope from now on."""
    user = request.user
    if not user.is_authenticated:  # nobody signed in administers anything
        return frozenset()
    account = get_user_model()._default_manager.select_for_update(no_key=True)
    list(account.filter(pk=user.pk).values_list("pk", flat=True))
    list(memberships(person=user).select_for_update(no_key=True).values_list("pk", flat=True))
    ids = frozenset(entry.enterable(request, _administered_by(user)))
    setattr(request, _CACHE, (user.pk, ids))
    return ids


def confirm_acts_for(request: HttpRequest, organization_id: Key) -> None:
    """Raise PermissionDenied unless the user still acts for the organization, read under
    the locks of :func:`confirmed_ids`. Call it inside the write's transaction, before the
    write: the locks last until it commits."""
    if sees_everything(request):
        return
    if organization_id not in confirmed_ids(request):
        raise PermissionDenied


@contextmanager
def writing_for(request: HttpRequest, organization_id: Key) -> Iterator[None]:
    """A transaction for an admin write to one organization, opened with
    :func:`confirm_acts_for` (for the admin's own views: rotating a key, deactivating
    orphaned access)."""
    with transaction.atomic():
        confirm_acts_for(request, organization_id)
        yield


def administers_any(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Does this person administer an organization? For a login, where the person is not
    the request's user yet."""
    return bool(_administered_by(user))


def acts_for_any(request: HttpRequest) -> bool:
    """May the user act for at least one organization (enter the cosmo_scim admin)?"""
    return sees_everything(request) or bool(administered_ids(request))


def acts_for(request: HttpRequest, organization_id: Key) -> bool:
    return sees_everything(request) or organization_id in administered_ids(request)


def scoped(request: HttpRequest, queryset: QuerySet[M], field: str = "organization") -> QuerySet[M]:
    """``queryset`` limited to the rows of the organizations the user acts for; ``field`` is
    the path to the organization ("pk" for a queryset of organizations).

    One organization is written as the SCIM API's tenant predicate (scim/tenant_scope.py):
    PostgreSQL plans ``IN`` of one value as ``=``, holds the column fixed and may serve the
    list's order by walking another index (``created_at``, the primary key) through every
    other tenant's rows."""
    if sees_everything(request):
        return queryset
    ids = administered_ids(request)
    if len(ids) == 1:
        (only,) = ids
        return of_tenant_id(queryset, only, field)
    return queryset.filter(**{f"{field}__in": ids})


def organizations(request: HttpRequest) -> QuerySet[Organization]:
    """The organizations the user acts for: what an organization field may offer."""
    return scoped(request, conf.organization_model()._default_manager.all(), "pk")


def acts_for_one(request: HttpRequest) -> bool:
    """Does the user act for exactly one organization (nothing to choose between)?"""
    return not sees_everything(request) and len(administered_ids(request)) == 1


def organization_label() -> "_StrOrPromise":
    """What the host calls its tenant, as its model says ("Workspace", "Company"): the
    organization column, field and filter of every cosmo_scim screen."""
    # A built model always has a verbose_name (the stubs allow None, for before it is built).
    return capfirst(conf.organization_model()._meta.verbose_name)  # type: ignore[return-value]


def organization_or_404(request: HttpRequest, object_id: str) -> Any:
    """The organization ``object_id`` names if the user acts for it; a 404 otherwise, the
    same as for an id that does not exist. Typed Any, as ``organization_named`` is (the
    management commands'): the host's organization model, which the admin hands to lookups
    on cosmo_scim's models (their foreign keys name it)."""
    queryset = organizations(request)
    model = queryset.model
    try:
        return queryset.get(pk=model._meta.pk.to_python(object_id))
    except (ObjectDoesNotExist, ValidationError, ValueError) as missing:
        raise Http404 from missing
