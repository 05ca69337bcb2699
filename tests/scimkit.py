"""The test kit (pytest puts tests/ on sys.path): a SCIM client, the bodies IdPs send, the
invitation link of an email, members seeded in bulk, and calls raced on threads.

Models are imported inside the helpers: tests/conftest.py imports this module, and must load
with minimal settings too (tests/settings_filters.py).
"""

import json
import re
import threading

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


# -- data in bulk ------------------------------------------------------------------------


def bulk_scim_users(org, size, prefix="bulk"):
    """``size`` SCIM users of ``org`` in a few INSERTs (a thousand POSTs would be slow)."""
    from cosmo_project.organizations.models import Membership
    from cosmo_scim.models import ScimUser

    users = get_user_model().objects.bulk_create(
        get_user_model()(email=f"{prefix}{i}@{org.slug}.example") for i in range(size)
    )
    memberships = Membership.objects.bulk_create(
        Membership(user=user, organization=org, role="viewer") for user in users
    )
    return ScimUser.objects.bulk_create(
        ScimUser(organization=org, membership=m, user_name=m.user.email, display_name=f"P {i}")
        for i, m in enumerate(memberships)
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
