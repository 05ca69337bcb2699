"""What OneLogin's SCIM provisioner sends (docs/idp-dialects.md#onelogin), replayed from
its published documentation: the connection test (a userName it knows does not exist), the
provisioning flow (lookup by userName, create, read by id, update), the SCIM JSON template
of the "SCIM Provisioner with SAML (SCIM v2 Enterprise)" app — string ``active``, ``id:
null``, ``meta`` in the body, empty strings for unset parameters — suspension, deletion,
and groups read, created and patched."""

import pytest
from scimkit import patch_op

from cosmo_scim.models import ScimUser

pytestmark = pytest.mark.django_db

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"


def onelogin_user(email, first="Jane", last="Doe", active="true", department=""):
    """The SCIM JSON template filled in: ``{$user.active}`` is a string, parameters the
    admin left unset are empty strings."""
    return {
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "id": None,
        "meta": {"resourceType": "User"},
        "userName": email,
        "name": {"familyName": last, "givenName": first, "formatted": f"{first} {last}"},
        "active": active,
        "emails": [{"value": email, "type": "work", "primary": True}],
        "title": "",
        ENTERPRISE: {"department": department, "manager": {"value": "", "displayName": " "}},
    }


@pytest.fixture
def jane(scim):
    response = scim.post("/Users", onelogin_user("jane@acme.com", department="Sales"))
    assert response.status_code == 201, response.content
    return response.json()


def test_connection_test_user_name_is_an_empty_list(scim):
    response = scim.get('/Users?filter=userName eq "onelogin-connection-test-0000"')
    assert response.status_code == 200 and response.json()["totalResults"] == 0


def test_template_values_are_read_as_meant(jane):
    assert jane["active"] is True
    assert jane["id"]  # the server's, not the template's null
    assert jane[ENTERPRISE] == {"department": "Sales"}  # empty parameters are not values
    assert "title" not in jane


def test_provisioning_flow_lookup_create_read_update(scim):
    assert scim.get('/Users?filter=userName eq "jane@acme.com"').json()["Resources"] == []
    created = scim.post("/Users", onelogin_user("jane@acme.com")).json()
    assert scim.get(f"/Users/{created['id']}").json()["userName"] == "jane@acme.com"
    response = scim.put(f"/Users/{created['id']}", onelogin_user("jane@acme.com", last="Roe"))
    assert response.status_code == 200 and response.json()["name"]["familyName"] == "Roe"
    assert ScimUser.objects.get().membership.user.last_name == "Roe"


def test_suspend_is_an_update_with_active_false(scim, jane):
    suspended = scim.put(f"/Users/{jane['id']}", onelogin_user("jane@acme.com", active="false"))
    assert suspended.json()["active"] is False
    assert ScimUser.objects.get().membership.is_active is False


def test_delete_action(scim, jane):
    assert scim.delete(f"/Users/{jane['id']}").status_code == 204
    assert scim.get(f"/Users/{jane['id']}").status_code == 404


def test_groups_read_created_and_patched(scim, jane):
    assert scim.get("/Groups").json()["Resources"] == []
    created = scim.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Sales"})
    assert created.status_code == 201
    group = created.json()
    assert [g["id"] for g in scim.get("/Groups").json()["Resources"]] == [group["id"]]
    added = scim.patch(
        f"/Groups/{group['id']}",
        patch_op({"op": "add", "path": "members", "value": [{"value": jane["id"]}]}),
    )
    assert [m["value"] for m in added.json()["members"]] == [jane["id"]]
    removed = scim.patch(
        f"/Groups/{group['id']}",
        patch_op({"op": "remove", "path": "members", "value": [{"value": jane["id"]}]}),
    )
    assert removed.json()["members"] == []
