"""What a User looks like on the wire: fixes found by the scim2-tester compliance run
(tests/scim_api/test_scim_compliance.py), pinned here so they hold without the checker."""

import pytest
from scimkit import okta_user, patch_op

pytestmark = pytest.mark.django_db

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def test_manager_carries_the_uri_of_the_manager_resource(scim):
    boss = scim.create_user("boss@acme.com")
    jane = scim.create_user("jane@acme.com", **{ENTERPRISE: {"manager": {"value": boss["id"]}}})
    manager = jane[ENTERPRISE]["manager"]
    # RFC 7643 §4.3: "$ref" is the URI of the User resource the manager id designates.
    assert manager == {"value": boss["id"], "$ref": boss["meta"]["location"]}
    assert scim.get(f"/Users/{jane['id']}").json()[ENTERPRISE]["manager"] == manager


def test_manager_given_by_ref_only(scim):
    boss = scim.create_user("boss@acme.com")
    body = okta_user(
        "jane@acme.com", **{ENTERPRISE: {"manager": {"$ref": boss["meta"]["location"]}}}
    )
    response = scim.post("/Users", body)
    assert response.status_code == 201, response.content
    assert response.json()[ENTERPRISE]["manager"]["value"] == boss["id"]


def test_manager_patched_with_ref_reads_back_equal(scim):
    boss = scim.create_user("boss@acme.com")
    jane = scim.create_user("jane@acme.com")
    sent = {"value": boss["id"], "$ref": boss["meta"]["location"]}
    response = scim.patch(
        f"/Users/{jane['id']}",
        patch_op({"op": "add", "path": f"{ENTERPRISE}:manager", "value": sent}),
    )
    assert response.status_code == 200, response.content
    assert response.json()[ENTERPRISE]["manager"] == sent


def test_email_primary_false_reads_back_false(scim):
    emails = [
        {"value": "jane@acme.com", "type": "work", "primary": True},
        {"value": "jane@home.example", "type": "home", "primary": False},
    ]
    jane = scim.create_user("jane@acme.com", emails=emails)
    assert jane["emails"] == emails
    response = scim.patch(
        f"/Users/{jane['id']}",
        patch_op({"op": "replace", "path": "emails", "value": [{**emails[1]}]}),
    )
    assert response.status_code == 200, response.content
    assert response.json()["emails"] == [emails[1]]


def test_active_cannot_be_removed_and_stays_as_it_was(scim):
    jane = scim.create_user("jane@acme.com")
    response = scim.patch(f"/Users/{jane['id']}", patch_op({"op": "remove", "path": "active"}))
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"
    assert scim.get(f"/Users/{jane['id']}").json()["active"] is True


def test_creation_without_active_makes_an_active_user(scim):
    body = okta_user("jane@acme.com")
    del body["active"]
    response = scim.post("/Users", body)
    assert response.status_code == 201, response.content
    assert response.json()["active"] is True
