"""The test kit (pytest puts tests/ on sys.path): a SCIM client, the bodies IdPs send, the
invitation link of an email, members seeded in bulk, and calls raced on threads.

Models are imported inside the helpers: tests/conftest.py imports this module, and must load
with minimal settings too (tests/settings_filters.py).
"""

import json
import re
import threading
from contextlib import contextmanager

import pytest
from django.contrib.auth import get_user_model
from django.db import connections

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


# -- the client --------------------------------------------------------------------------


class ScimClient:
    """Django's test client speaking SCIM with one API key: JSON in, JSON out."""

    def __init__(self, client, key, base="/scim/v2"):
        self.client = client
        self.key = key
        self.base = base

    def request(self, method, path, body=None, content_type="application/scim+json", **headers):
        extra = {"HTTP_AUTHORIZATION": f"Bearer {self.key}"} if self.key else {}
        extra.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})
        data = body if isinstance(body, (str, bytes)) or body is None else json.dumps(body)
        call = getattr(self.client, method)
        if method in ("get", "delete") and data is None:
            return call(self.base + path, **extra)
        return call(self.base + path, data=data or "", content_type=content_type, **extra)

    def get(self, path, **kw):
        return self.request("get", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("post", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("put", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("patch", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("delete", path, **kw)

    def create_user(self, user_name, **attrs):
        body = okta_user(user_name, **attrs)
        response = self.post("/Users", body)
        assert response.status_code == 201, response.content
        return response.json()


# -- bodies ------------------------------------------------------------------------------


def user_body(user_name, email=None, active=None, given="Jane", family="Doe", **extra):
    """The least a client sends to create a user: userName, name and one work email
    (``email``, else the userName); ``active`` only when given."""
    body = {
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "name": {"givenName": given, "familyName": family},
        "emails": [{"value": email or user_name, "primary": True, "type": "work"}],
        **extra,
    }
    if active is not None:
        body["active"] = active
    return body


def okta_user(user_name, given="Jane", family="Doe", **extra):
    """The body Okta sends when a user is assigned to the app."""
    body = user_body(user_name, given=given, family=family)
    body.update(
        {
            "displayName": f"{given} {family}",
            "locale": "en-US",
            "externalId": "00u-" + user_name.split("@")[0],
            "groups": [],
            "password": "Okta-sends-a-password-1!",
            "active": True,
        }
    )
    body.update(extra)
    return body


def okta_group(display_name, members=(), **extra):
    """Okta group push: ``POST /Groups {displayName, members: []}``."""
    return {
        "schemas": [GROUP_SCHEMA],
        "displayName": display_name,
        "members": [{"value": m, "display": "someone"} for m in members],
        **extra,
    }


def patch_op(*operations):
    return {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}


def deactivate_patch():
    """Okta's deactivation: a path-less replace of ``active``."""
    return patch_op({"op": "replace", "value": {"active": False}})


def reactivate_patch():
    return patch_op({"op": "replace", "path": "active", "value": True})


# -- email -------------------------------------------------------------------------------


def accept_link(message):
    """The invitation link of a sent email (as the person would click it)."""
    return re.search(r"https?://\S+/invitations/[\w-]+/", message.body).group(0)


# -- the host running the suite ------------------------------------------------------------


class Host:
    """The host product under test (Cosmo, or one of tests/hosts/), reached the way
    cosmo_scim reaches it: its models from COSMO_SCIM and its fields by the part they play
    (cosmo_scim.host_fields), so a test reads the same against every host."""

    @staticmethod
    def _lookups(via, field_of, parts):
        from cosmo_scim.host_fields import organization_field, person_field

        lookups = {}
        for name, value in parts.items():
            part, _, rest = name.partition("__")
            try:
                path = [field_of(part)]
            except KeyError:  # not a host field (e.g. cosmo_scim's own ``scim_user``)
                path = [part]
            if part == "person" and rest in ("email", "login", "given_name", "family_name"):
                path.append(person_field(rest))
            elif part == "organization" and rest == "slug":
                path.append(organization_field("slug"))
            elif rest:
                path.append(rest)
            lookups["__".join(([via] if via else []) + path)] = value
        return lookups

    def memberships(self, **parts):
        """``host.memberships(organization=org, person__email="a@b")``."""
        from cosmo_scim import conf
        from cosmo_scim.host_fields import membership_field

        return conf.membership_model()._default_manager.filter(
            **self._lookups("", membership_field, parts)
        )

    def membership(self, **parts):
        return self.memberships(**parts).get()

    def membership_of(self, scim_id=None):
        """The membership of a SCIM user (the only one when ``scim_id`` is None)."""
        from cosmo_scim.models import ScimUser

        users = ScimUser.objects.select_related("membership")
        return (users.get(scim_id=scim_id) if scim_id else users.get()).membership

    def person(self, membership):
        from cosmo_scim.host_fields import person_of

        return person_of(membership)

    def active(self, membership):
        from cosmo_scim.host_fields import is_active

        membership.refresh_from_db()
        return is_active(membership)

    def role(self, membership):
        from cosmo_scim.host_fields import membership_field

        return getattr(membership, membership_field("role"))

    def organization(self, membership):
        from cosmo_scim.host_fields import membership_field

        return getattr(membership, membership_field("organization"))

    def teams(self, **parts):
        from cosmo_scim import conf
        from cosmo_scim.host_fields import team_field

        return conf.team_model()._default_manager.filter(**self._lookups("", team_field, parts))

    def team_members(self, team):
        from cosmo_scim.host_fields import team_field

        return getattr(team, team_field("members"))

    def team_name(self, team):
        from cosmo_scim.host_fields import team_field

        return getattr(team, team_field("name"))

    def roles(self):
        """The host's roles, most privileged first (its role field's choices): Cosmo's
        ``admin, developer, viewer``; every test host has three."""
        from cosmo_scim.host import host_adapter

        return [value for value, _ in host_adapter().role_choices()]

    def given_name(self, person):
        from cosmo_scim.host_fields import person_field

        return getattr(person, person_field("given_name"))

    def family_name(self, person):
        from cosmo_scim.host_fields import person_field

        return getattr(person, person_field("family_name"))

    def slug(self, organization):
        from cosmo_scim.host_fields import organization_field

        return getattr(organization, organization_field("slug"))

    def organization_by_slug(self, slug):
        from cosmo_scim.host_fields import organizations_by_slug

        return organizations_by_slug(slug).get()

    def refused_organization(self, make_org):
        """An organization the host's adapter refuses SCIM (in Cosmo, one on the Team plan);
        skips the test on a host that allows every organization (the default adapter)."""
        from cosmo_scim.host import host_adapter

        organization = make_org("smallco", plan="team")
        if host_adapter().scim_allowed(organization):
            pytest.skip("this host allows SCIM for every organization")
        return organization

    def organization_admin(self, view):
        """The URL name of one admin view of the host's organization model, e.g.
        ``organization_admin("change")`` is ``admin:organizations_organization_change``."""
        from cosmo_scim import conf

        meta = conf.organization_model()._meta
        return f"admin:{meta.app_label}_{meta.model_name}_{view}"

    def landing_url(self, membership):
        """The member's page in the product: where an accepted invitation lands, and which
        the product refuses to anyone but an active member."""
        from cosmo_scim.host import host_adapter

        return host_adapter().accepted_invitation_url(membership)


host = Host()


# -- data in bulk ------------------------------------------------------------------------


def bulk_scim_users(org, size, prefix="bulk"):
    """``size`` SCIM users of ``org`` in a few INSERTs (a thousand POSTs would be slow)."""
    from cosmo_scim import conf
    from cosmo_scim.host_fields import membership_field, person_field
    from cosmo_scim.models import ScimUser

    user_model, membership_model = get_user_model(), conf.membership_model()
    emails = [f"{prefix}{i}@{host.slug(org)}.example" for i in range(size)]
    users = user_model.objects.bulk_create(
        user_model(**{person_field("email"): email, person_field("login"): email})
        for email in emails
    )
    memberships = membership_model.objects.bulk_create(
        membership_model(
            **{
                membership_field("person"): user,
                membership_field("organization"): org,
                membership_field("role"): host.roles()[-1],
            }
        )
        for user in users
    )
    return ScimUser.objects.bulk_create(
        ScimUser(organization=org, membership=m, user_name=email, display_name=f"P {i}")
        for i, (m, email) in enumerate(zip(memberships, emails, strict=True))
    )


# -- races -------------------------------------------------------------------------------


# A race module's ``pytestmark``: committed transactions on PostgreSQL (the conftest's
# needs_postgres fixture checks the connection itself).
RACES = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("needs_postgres"),
]


def race(calls):
    """Run the calls at the same instant on separate threads/connections."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@contextmanager
def signals_received(names, note=None):
    """Within the block, a list of ``(name, sender, kwargs)`` for every cosmo_scim signal of
    ``names`` sent, in order; with ``note``, ``(name, sender, kwargs, note())``: what
    ``note`` read when the signal went out."""
    from cosmo_scim import signals

    received = []
    by_signal = {getattr(signals, name): name for name in names}

    def receiver(sender, signal, **kwargs):
        entry = (by_signal[signal], sender, kwargs)
        received.append(entry if note is None else (*entry, note()))

    for signal in by_signal:
        signal.connect(receiver)
    try:
        yield received
    finally:
        for signal in by_signal:
            signal.disconnect(receiver)
