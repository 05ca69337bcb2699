"""Endpoint names match in any case (Microsoft's SCIM test collection builds lower-case
URLs, docs/idp-dialects.md#compliance-checkers-and-microsofts-test-collection); the URLs the
server hands out stay canonical."""

import pytest
from scimkit import okta_group, okta_user, patch_op

pytestmark = pytest.mark.django_db

SEARCH = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@pytest.mark.parametrize("users", ["/users", "/USERS", "/uSeRs"])
def test_user_lifecycle_on_a_lower_or_upper_case_endpoint(scim, users):
    response = scim.post(users, okta_user("jane@acme.com"))
    assert response.status_code == 201, response.content
    created = response.json()
    canonical = f"http://testserver/scim/v2/Users/{created['id']}"
    assert response["Location"] == created["meta"]["location"] == canonical
    read = scim.get(f"{users}/{created['id']}")
    assert read.status_code == 200 and read["Location"] == canonical
    found = scim.get(f'{users}?filter=userName eq "jane@acme.com"').json()
    assert [r["id"] for r in found["Resources"]] == [created["id"]]
    patched = scim.patch(
        f"{users}/{created['id']}", patch_op({"op": "replace", "path": "title", "value": "CTO"})
    )
    assert patched.status_code == 200 and patched["Location"] == canonical
    assert scim.put(f"{users}/{created['id']}", okta_user("jane@acme.com")).status_code == 200
    assert scim.post(f"{users}/.SEARCH", SEARCH).json()["totalResults"] == 1
    assert scim.delete(f"{users}/{created['id']}").status_code == 204


@pytest.mark.parametrize("groups", ["/groups", "/GROUPS"])
def test_groups_on_any_case(scim, groups):
    response = scim.post(groups, okta_group("Dev"))
    assert response.status_code == 201
    assert f"/scim/v2/Groups/{response.json()['id']}" in response["Location"]
    assert scim.get(f"{groups}/{response.json()['id']}").status_code == 200
    assert scim.post(f"{groups}/.search", SEARCH).json()["totalResults"] == 1


@pytest.mark.parametrize(
    "path",
    [
        "/serviceproviderconfig",
        "/SERVICEPROVIDERCONFIG/",
        "/resourcetypes",
        "/resourcetypes/User",
        "/schemas",
        "/schemas/urn:ietf:params:scim:schemas:core:2.0:User",
        f"/Schemas/{ENTERPRISE.upper()}",
    ],
)
def test_discovery_on_any_case(scim, path):
    response = scim.get(path)
    assert response.status_code == 200, response.content
    assert "/scim/v2/" in response.content.decode()
    for part in ("/serviceproviderconfig", "/resourcetypes/", "/schemas/"):
        assert part not in response.content.decode()  # locations are canonical


def test_root_search_on_any_case(scim):
    scim.create_user("jane@acme.com")
    assert scim.post("/.SEARCH", SEARCH).json()["totalResults"] == 1


@pytest.mark.parametrize("path", ["/userz", "/users/a/b", "/bulk", "/me"])
def test_unknown_or_unsupported_paths_keep_their_answers(scim, path):
    expected = 501 if path in ("/bulk", "/me") else 404
    response = scim.post(path, {})
    assert response.status_code == expected
    assert response["Content-Type"] == "application/scim+json"
