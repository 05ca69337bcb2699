"""Which organizations a session may enter, given how it was authenticated.

A session records how it signed in: by password (Django's login, any backend), and/or
through the SSO connections of particular organizations. An SSO sign-in through
organization A's IdP vouches for the person *as A's member* and nothing more: A's IdP is
A's to run, and it must never be able to open another organization's pages as a person who
also belongs there. So:

- an organization that requires SSO is entered only by a session that signed in through
  one of its own connections (superusers, the product's operators, excepted);
- any other organization is entered by a session that signed in by password, or through
  that organization's own connection — not by a session that only another organization's
  IdP authenticated (docs/sso.md, "Sessions").

Membership and role checks stay the host's; this only says whether the *session's
authentication* is good enough for the organization.
"""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.db.models import Model, QuerySet
from django.dispatch import receiver
from django.http import HttpRequest

from ..host import Key, Organization, Person
from ..models import SsoConnection

SESSION_KEY = "cosmo_scim_sso"
# Set on the request by the SSO sign-in just before it calls login(), so the receiver below
# does not mistake it for a password login.
_SIGNING_IN = "_cosmo_scim_sso_signing_in"


def _record(request: HttpRequest) -> dict[str, Any]:
    """The session's record: {"password": bool, "organizations": {org id: connection key}}.
    A session from before SSO existed has none and counts as a password session."""
    record = request.session.get(SESSION_KEY)
    return record if isinstance(record, dict) else {"password": True, "organizations": {}}


@receiver(user_logged_in, dispatch_uid="cosmo_scim_sso_password_login")
def _note_login(
    sender: type[Model], request: HttpRequest | None, user: Person, **kwargs: Any
) -> None:
    if request is None or not hasattr(request, "session"):
        return
    if getattr(request, _SIGNING_IN, None) is not None:
        return
    record = _record(request)
    record["password"] = True
    request.session[SESSION_KEY] = record


def signing_in(request: HttpRequest, connection: SsoConnection) -> None:
    """Mark the coming login() as this connection's sign-in (sso/linking.py calls it)."""
    setattr(request, _SIGNING_IN, connection)


def signed_in(request: HttpRequest, connection: SsoConnection) -> None:
    """After login(): the session is authenticated for the connection's organization. A
    session that was not already this person's password session becomes SSO-only."""
    record = request.session.get(SESSION_KEY)
    if not isinstance(record, dict):
        record = {"password": False, "organizations": {}}
    record["organizations"][str(connection.organization_id)] = connection.key
    request.session[SESSION_KEY] = record
    delattr(request, _SIGNING_IN)


def requiring_connections(organization_ids: Iterable[Key]) -> QuerySet[SsoConnection]:
    """The enabled connections that make organizations among ``organization_ids`` require
    SSO (an organization requires it when any of its enabled connections does)."""
    return SsoConnection.objects.enabled().filter(
        organization_id__in=list(organization_ids), required=True
    )


def requiring_sso(organization_ids: Iterable[Key]) -> set[Key]:
    """The ids among ``organization_ids`` whose organization requires SSO (one query)."""
    return set(
        requiring_connections(organization_ids).values_list("organization_id", flat=True).distinct()
    )


def requires_sso(organization: Organization) -> bool:
    return bool(requiring_sso([organization.pk]))


def enterable(request: HttpRequest, organization_ids: Iterable[Key]) -> set[Key]:
    """The ids among ``organization_ids`` this session may enter (see the module's rule).
    Superusers enter every one, by password too."""
    user = request.user
    ids = set(organization_ids)
    if not user.is_authenticated or not ids:
        return set()
    if user.is_active and user.is_superuser:
        return ids
    record = _record(request)
    through_sso = {pk for pk in ids if str(pk) in record["organizations"]}
    if not record["password"]:
        return through_sso
    return through_sso | (ids - requiring_sso(ids - through_sso))


def may_enter(request: HttpRequest, organization: Organization) -> bool:
    """May this session enter ``organization``'s pages? The host calls it on each of its
    organization pages next to its own membership check; cosmo_scim's admin scope calls
    :func:`enterable`."""
    return organization.pk in enterable(request, [organization.pk])


def signed_in_through(request: HttpRequest, organization: Organization) -> str | None:
    """The key of the connection this session signed in through for ``organization``, or
    None."""
    return _record(request)["organizations"].get(str(organization.pk))
