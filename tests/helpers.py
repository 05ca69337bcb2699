"""Helpers for SCIM-over-HTTP tests (imported by tests; pytest puts tests/ on sys.path)."""

import json
import re


class ScimClient:
    """A Django test client speaking SCIM with one organization's key."""

    def __init__(self, client, key):
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    def _send(self, method, path, body=None, **extra):
        kwargs = {**self.headers, **extra}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/scim+json")
        return getattr(self.client, method)(f"/scim/v2/{path}", **kwargs)

    def post(self, path, body, **extra):
        return self._send("post", path, body, **extra)

    def put(self, path, body, **extra):
        return self._send("put", path, body, **extra)

    def patch(self, path, body, **extra):
        return self._send("patch", path, body, **extra)

    def get(self, path, **extra):
        return self._send("get", path, **extra)

    def delete(self, path, **extra):
        return self._send("delete", path, **extra)


def user_body(user_name, email=None, active=None, **extra):
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {"givenName": extra.pop("given", "Jane"), "familyName": "Doe"},
        "emails": [{"value": email or user_name, "primary": True, "type": "work"}],
        **extra,
    }
    if active is not None:
        body["active"] = active
    return body


def deactivate_patch():
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"active": False}}],
    }


def reactivate_patch():
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": True}],
    }


def accept_link(message):
    """The invitation link of a sent email (as the person would click it)."""
    return re.search(r"https?://\S+/invitations/[\w-]+/", message.body).group(0)
