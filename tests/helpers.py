"""Bodies and email helpers for the lifecycle tests (pytest puts tests/ on sys.path)."""

import re


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
