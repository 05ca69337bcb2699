"""How SCIM users map onto the host's people and memberships."""

import pytest
from scimkit import okta_user, patch_op

from cosmo_project.organizations.models import Membership
from cosmo_scim.models import ScimUser

pytestmark = pytest.mark.django_db


def test_member_added_by_hand_is_adopted_by_the_idp(scim, org, make_member):
    existing = make_member(org, role="admin", email="jane@acme.com", is_active=False)
    response = scim.post("/Users", okta_user("jane@acme.com"))
    assert response.status_code == 201
    existing.refresh_from_db()
    assert existing.scim_user.scim_id == response.json()["id"]
    assert existing.is_active and existing.role == "admin"
    assert Membership.objects.filter(organization=org).count() == 1


def test_same_person_under_a_second_user_name_is_409(scim):
    scim.create_user("jane@acme.com")
    response = scim.post(
        "/Users", okta_user("jane.doe", emails=[{"value": "jane@acme.com", "primary": True}])
    )
    assert response.status_code == 409 and response.json()["scimType"] == "uniqueness"


def test_renaming_to_a_taken_user_name_is_409_and_changes_nothing(scim):
    scim.create_user("jane@acme.com")
    bob = scim.create_user("bob@acme.com")
    response = scim.patch(
        f"/Users/{bob['id']}",
        patch_op({"op": "replace", "path": "userName", "value": "JANE@acme.com"}),
    )
    assert response.status_code == 409 and response.json()["scimType"] == "uniqueness"
    assert ScimUser.objects.get(scim_id=bob["id"]).user_name == "bob@acme.com"


def test_user_name_without_email_uses_the_primary_email_for_login(scim):
    body = okta_user(
        "jdoe",
        emails=[
            {"value": "jane.home@example.com", "type": "home"},
            {"value": "jane@acme.com", "type": "work", "primary": True},
        ],
    )
    created = scim.post("/Users", body)
    assert created.status_code == 201
    assert ScimUser.objects.get().membership.user.email == "jane@acme.com"


def test_provisioned_inactive_user_gets_an_inactive_membership(scim, org):
    scim.create_user("jane@acme.com", active=False)
    assert Membership.objects.get(organization=org).is_active is False


def test_delete_keeps_the_account_and_frees_the_user_name(scim, org):
    created = scim.create_user("jane@acme.com")
    person = ScimUser.objects.get().membership.user
    assert scim.delete(f"/Users/{created['id']}").status_code == 204
    assert not Membership.objects.filter(organization=org).exists()
    person.refresh_from_db()  # the account is still there
    again = scim.create_user("jane@acme.com")
    assert ScimUser.objects.get().membership.user == person
    assert again["id"] != created["id"]


def test_delete_twice_is_404(scim):
    created = scim.create_user("jane@acme.com")
    assert scim.delete(f"/Users/{created['id']}").status_code == 204
    assert scim.delete(f"/Users/{created['id']}").status_code == 404
