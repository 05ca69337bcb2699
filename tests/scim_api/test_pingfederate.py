"""What PingFederate's SCIM provisioner sends (docs/idp-dialects.md#pingfederate),
replayed from its published documentation: users matched by the Unique User Identifier
(``userName eq`` or, for workEmail, ``emails eq``), updated with PATCH or — with "SCIM SP
Supports Patch Updates" cleared — full PUTs, possibly provisioned already disabled,
removed by the Remove User Action (disable or delete), groups provisioned, renamed, their
membership updated with PATCH, and deleted."""

import pytest
from scimkit import patch_op, user_body

from cosmo_scim.models import ScimUser

pytestmark = pytest.mark.django_db

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"


def ping_user(user_name, email, active=True, **extra):
    body = user_body(user_name, email=email, active=active, **extra)
    body["schemas"] = [USER_SCHEMA, ENTERPRISE]
    body[ENTERPRISE] = {"department": "Finance"}
    return body


@pytest.fixture
def janet(scim):
    response = scim.post("/Users", ping_user("jsmith", "janet@acme.com"))
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.parametrize(
    "lookup", ['userName eq "jsmith"', 'emails eq "janet@acme.com"', 'emails eq "JANET@acme.com"']
)
def test_unique_user_identifier_lookups(scim, janet, lookup):
    found = scim.get(f"/Users?filter={lookup}").json()
    assert [r["id"] for r in found["Resources"]] == [janet["id"]]


def test_unknown_user_lookup_is_empty_then_created(scim):
    assert scim.get('/Users?filter=userName eq "jsmith"').json()["totalResults"] == 0
    assert scim.post("/Users", ping_user("jsmith", "janet@acme.com")).status_code == 201


def test_update_by_patch(scim, janet):
    response = scim.patch(
        f"/Users/{janet['id']}",
        patch_op(
            {"op": "replace", "path": "name.familyName", "value": "Jones"},
            {"op": "replace", "path": f"{ENTERPRISE}:department", "value": "Legal"},
        ),
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"]["familyName"] == "Jones"
    assert response.json()[ENTERPRISE]["department"] == "Legal"


def test_update_by_full_put_when_patch_updates_are_cleared(scim, janet):
    body = ping_user("jsmith", "janet@acme.com", family="Jones")
    response = scim.put(f"/Users/{janet['id']}", body)
    assert response.status_code == 200 and response.json()["name"]["familyName"] == "Jones"


def test_remove_user_action_disable_is_a_put_with_active_false(scim, janet):
    response = scim.put(f"/Users/{janet['id']}", ping_user("jsmith", "janet@acme.com", False))
    assert response.json()["active"] is False
    assert ScimUser.objects.get().membership.is_active is False
    again = scim.put(f"/Users/{janet['id']}", ping_user("jsmith", "janet@acme.com", True))
    assert again.json()["active"] is True


def test_remove_user_action_delete(scim, janet):
    assert scim.delete(f"/Users/{janet['id']}").status_code == 204
    assert scim.get('/Users?filter=userName eq "jsmith"').json()["totalResults"] == 0


def test_provision_disabled_users(scim):
    response = scim.post("/Users", ping_user("off", "off@acme.com", active=False))
    assert response.status_code == 201 and response.json()["active"] is False
    assert ScimUser.objects.get().membership.is_active is False


def test_groups_provisioned_renamed_membership_patched_and_deleted(scim, janet):
    created = scim.post(
        "/Groups",
        {"schemas": [GROUP_SCHEMA], "displayName": "Finance", "members": [{"value": janet["id"]}]},
    )
    assert created.status_code == 201, created.content
    group = created.json()
    listed = scim.get("/Groups").json()
    assert [g["displayName"] for g in listed["Resources"]] == ["Finance"]
    kim = scim.post("/Users", ping_user("kim", "kim@acme.com")).json()
    response = scim.patch(
        f"/Groups/{group['id']}",
        patch_op(
            {"op": "add", "path": "members", "value": [{"value": kim["id"]}]},
            {"op": "remove", "path": f'members[value eq "{janet["id"]}"]'},
        ),
    )
    assert [m["value"] for m in response.json()["members"]] == [kim["id"]]
    renamed = scim.patch(
        f"/Groups/{group['id']}",
        patch_op({"op": "replace", "path": "displayName", "value": "Finance EMEA"}),
    )
    assert renamed.json()["displayName"] == "Finance EMEA"
    assert scim.delete(f"/Groups/{group['id']}").status_code == 204
    assert scim.get("/Groups").json()["totalResults"] == 0
