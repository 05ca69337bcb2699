"""The one attribute path parser (RFC 7644 §3.10), read by filters, PATCH, projection,
sortBy and the schema lookup alike."""

import pytest

from cosmo_scim.protocol.paths import AttrPath, parse_attr_path

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@pytest.mark.parametrize(
    "text, path",
    [
        ("title", AttrPath(None, "title")),
        ("name.givenName", AttrPath(None, "name", "givenName")),
        ("members.$ref", AttrPath(None, "members", "$ref")),
        (f"{CORE}:userName", AttrPath(CORE, "userName")),
        (f"{ENTERPRISE}:manager.value", AttrPath(ENTERPRISE, "manager", "value")),
        (f"{ENTERPRISE.upper()}:DEPARTMENT", AttrPath(ENTERPRISE.upper(), "DEPARTMENT")),
        # A bare URN reads as URN + name; callers compare whole URNs before parsing.
        (ENTERPRISE, AttrPath(ENTERPRISE.rpartition(":")[0], "User")),
    ],
)
def test_parses(text, path):
    assert parse_attr_path(text) == path
    assert str(path) == text


@pytest.mark.parametrize(
    "text", ["", "a b", "title.", ".title", "name.givenName.x", "1title", "urn:", "x:y", None, 5]
)
def test_rejects(text):
    assert parse_attr_path(text) is None
