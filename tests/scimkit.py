"""Helpers for talking SCIM to the app in tests, and the bodies real IdPs send."""

import json


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


def okta_user(user_name, given="Jane", family="Doe", **extra):
    """The body Okta sends when a user is assigned to the app."""
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {"givenName": given, "familyName": family},
        "emails": [{"primary": True, "value": user_name, "type": "work"}],
        "displayName": f"{given} {family}",
        "locale": "en-US",
        "externalId": "00u-" + user_name.split("@")[0],
        "groups": [],
        "password": "Okta-sends-a-password-1!",
        "active": True,
    }
    body.update(extra)
    return body


def patch_op(*operations):
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": list(operations),
    }
