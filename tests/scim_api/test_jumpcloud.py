"""What JumpCloud's custom SCIM integration sends (docs/idp-dialects.md#jumpcloud),
replayed from its published documentation: the activation test (a test user and a test
group, created and deleted again), users pushed with userName, name and a work email and
deactivated with ``active: false``, groups taken over by a matching displayName, members
added and removed with value lists, renamed and deleted."""

import pytest
from scimkit import patch_op, user_body

from cosmo_scim.models import Invitation, ScimGroup, ScimUser

pytestmark = pytest.mark.django_db

GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"


def jumpcloud_user(email, given="Jane", family="Doe", **extra):
    """JumpCloud's default user attributes: username, first and last name, email."""
    return user_body(email, given=given, family=family, active=True, **extra)


def members_patch(op, *ids):
    return patch_op({"op": op, "path": "members", "value": [{"value": i} for i in ids]})


@pytest.fixture
def jane(scim):
    response = scim.post("/Users", jumpcloud_user("jane@acme.com", externalId="jc-1"))
    assert response.status_code == 201, response.content
    return response.json()


def test_activation_creates_a_test_user_and_group_and_deletes_them(scim, org):
    user = scim.post("/Users", jumpcloud_user("it-test@acme.com", given="Test", family="User"))
    assert user.status_code == 201, user.content
    group = scim.post(
        "/Groups",
        {"schemas": [GROUP_SCHEMA], "displayName": "JumpCloud test group", "members": []},
    )
    assert group.status_code == 201, group.content
    assert scim.delete(f"/Groups/{group.json()['id']}").status_code == 204
    assert scim.delete(f"/Users/{user.json()['id']}").status_code == 204
    assert not ScimUser.objects.exists() and not ScimGroup.objects.exists()
    assert scim.get("/Users").json()["totalResults"] == 0
    # The test user's invitation went out, and its link no longer works.
    invitations = Invitation.objects.filter(email="it-test@acme.com")
    assert invitations.exists()
    assert not invitations.exclude(status=Invitation.Status.REVOKED).exists()


def test_lookup_create_and_update_of_a_user(scim, jane):
    found = scim.get('/Users?filter=userName eq "jane@acme.com"').json()
    assert [r["id"] for r in found["Resources"]] == [jane["id"]]
    changed = jumpcloud_user("jane@acme.com", family="Smith", externalId="jc-1")
    response = scim.put(f"/Users/{jane['id']}", changed)
    assert response.status_code == 200 and response.json()["name"]["familyName"] == "Smith"
    response = scim.patch(
        f"/Users/{jane['id']}",
        patch_op({"op": "replace", "path": "name.givenName", "value": "Janet"}),
    )
    assert response.json()["name"]["givenName"] == "Janet"


@pytest.mark.parametrize(
    "deactivation",
    [
        patch_op({"op": "replace", "path": "active", "value": False}),
        patch_op({"op": "replace", "value": {"active": False}}),
    ],
)
def test_removing_access_deactivates_and_the_user_stays_findable(scim, jane, deactivation):
    assert scim.patch(f"/Users/{jane['id']}", deactivation).json()["active"] is False
    assert ScimUser.objects.get().membership.is_active is False
    found = scim.get('/Users?filter=userName eq "jane@acme.com"').json()
    assert found["Resources"][0]["active"] is False
    back = scim.patch(
        f"/Users/{jane['id']}", patch_op({"op": "replace", "path": "active", "value": True})
    )
    assert back.json()["active"] is True


def test_an_existing_group_with_the_same_name_is_taken_over(scim, jane):
    existing = scim.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Sales"}).json()
    found = scim.get('/Groups?filter=displayName eq "Sales"&excludedAttributes=members').json()
    assert [g["id"] for g in found["Resources"]] == [existing["id"]]
    response = scim.patch(f"/Groups/{existing['id']}", members_patch("add", jane["id"]))
    assert [m["value"] for m in response.json()["members"]] == [jane["id"]]


def test_groups_are_pushed_with_members_renamed_emptied_and_deleted(scim, jane):
    kim = scim.post("/Users", jumpcloud_user("kim@acme.com", given="Kim")).json()
    # Empty groups are not created: the group arrives with its members.
    created = scim.post(
        "/Groups",
        {
            "schemas": [GROUP_SCHEMA],
            "displayName": "Engineering",
            "members": [{"value": jane["id"]}, {"value": kim["id"]}],
        },
    )
    assert created.status_code == 201, created.content
    group = created.json()
    assert {m["value"] for m in group["members"]} == {jane["id"], kim["id"]}
    removed = scim.patch(f"/Groups/{group['id']}", members_patch("remove", kim["id"]))
    assert [m["value"] for m in removed.json()["members"]] == [jane["id"]]
    renamed = scim.patch(
        f"/Groups/{group['id']}",
        patch_op({"op": "replace", "path": "displayName", "value": "Platform"}),
    )
    assert renamed.json()["displayName"] == "Platform"
    assert scim.delete(f"/Groups/{group['id']}").status_code == 204
    assert ScimUser.objects.count() == 2  # deleting a group deletes no user
