"""What authentik's SCIM provider sends (docs/idp-dialects.md#authentik), replayed from its
documented default mappings and sync behaviour: discovery first, users from its default
user mapping (username, name split at the first space, photos and locale possibly null,
emails of type "other" or none at all), lookup by userName after a 409, full PUTs that carry
the id, groups created empty and filled one member PATCH at a time."""

import pytest
from scimkit import patch_op

from cosmo_scim.models import ScimGroup, ScimUser

pytestmark = pytest.mark.django_db

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"


def authentik_user(username, name="Jane Doe", email=None, uid="ak-uid-1", **extra):
    """authentik's default user mapping: givenName is the name up to the first space and
    familyName the rest; no email gives ``emails: []``; an avatar that is no URL gives no
    photos; an unset locale is null."""
    given, _, family = name.partition(" ")
    body = {
        "schemas": [USER_SCHEMA],
        "userName": username,
        "name": {"formatted": name, "givenName": given, "familyName": family},
        "displayName": name,
        "photos": None,
        "locale": None,
        "active": True,
        "emails": [{"value": email, "type": "other", "primary": True}] if email else [],
        "externalId": uid,
    }
    body.update(extra)
    return body


def authentik_group(name, uid="ak-group-1"):
    return {"schemas": [GROUP_SCHEMA], "displayName": name, "externalId": uid, "members": []}


@pytest.fixture
def jane(scim):
    response = scim.post("/Users", authentik_user("jdoe", email="jane@acme.com"))
    assert response.status_code == 201, response.content
    return response.json()


def test_discovery_tells_it_patch_and_filters_work_and_bulk_does_not(scim):
    config = scim.get("/ServiceProviderConfig").json()
    assert config["patch"]["supported"] is True
    assert config["filter"]["supported"] is True and config["filter"]["maxResults"] > 0
    assert config["bulk"]["supported"] is False


def test_create_from_the_default_mapping(jane):
    assert jane["userName"] == "jdoe"
    assert jane["emails"] == [{"value": "jane@acme.com", "type": "other", "primary": True}]
    assert jane["name"] == {"formatted": "Jane Doe", "givenName": "Jane", "familyName": "Doe"}
    assert jane["externalId"] == "ak-uid-1" and jane["active"] is True
    assert "locale" not in jane and "photos" not in jane  # null means not set
    assert ScimUser.objects.get().membership.user.email == "jane@acme.com"


def test_a_one_word_name_has_an_empty_family_name(scim):
    response = scim.post("/Users", authentik_user("akadmin", name="admin", email="a@acme.com"))
    assert response.status_code == 201, response.content
    assert response.json()["name"] == {"formatted": "admin", "givenName": "admin"}


def test_a_user_without_email_is_refused_with_the_attribute_to_map(scim):
    response = scim.post("/Users", authentik_user("jdoe"))
    assert response.status_code == 400
    body = response.json()
    assert body["scimType"] == "invalidValue" and body["status"] == "400"
    assert "'jdoe'" in body["detail"]
    assert 'emails[type eq "work"].value' in body["detail"]
    assert "invited by email" in body["detail"]
    assert not ScimUser.objects.exists()


def test_a_mapping_that_sends_the_email_as_user_name_is_enough(scim):
    response = scim.post("/Users", authentik_user("jane@acme.com"))
    assert response.status_code == 201
    assert ScimUser.objects.get().membership.user.email == "jane@acme.com"


def test_409_then_lookup_by_form_encoded_user_name_links_the_user(scim, jane):
    again = scim.post("/Users", authentik_user("jdoe", email="jane@acme.com"))
    assert again.status_code == 409 and again.json()["scimType"] == "uniqueness"
    found = scim.get("/Users?filter=userName+eq+%22JDOE%22").json()
    assert [r["id"] for r in found["Resources"]] == [jane["id"]]
    spaced = scim.post("/Users", authentik_user("jane doe", email="jd@acme.com", uid="ak-2"))
    assert spaced.status_code == 201
    found = scim.get("/Users?filter=userName+eq+%22jane+doe%22").json()
    assert [r["id"] for r in found["Resources"]] == [spaced.json()["id"]]


def test_update_is_a_full_put_carrying_the_id(scim, jane):
    body = authentik_user("jdoe", name="Jane Smith", email="jane@acme.com", id=jane["id"])
    response = scim.put(f"/Users/{jane['id']}", body)
    assert response.status_code == 200, response.content
    assert response.json()["name"]["familyName"] == "Smith"
    assert response.json()["displayName"] == "Jane Smith"
    assert ScimUser.objects.get().membership.user.last_name == "Smith"


def test_update_of_a_user_deleted_here_is_404_so_it_creates_again(scim, jane):
    assert scim.delete(f"/Users/{jane['id']}").status_code == 204
    body = authentik_user("jdoe", email="jane@acme.com", id=jane["id"])
    assert scim.put(f"/Users/{jane['id']}", body).status_code == 404
    again = scim.post("/Users", authentik_user("jdoe", email="jane@acme.com"))
    assert again.status_code == 201 and again.json()["id"] != jane["id"]


def test_deactivating_in_authentik_puts_active_false(scim, jane):
    body = authentik_user("jdoe", email="jane@acme.com", id=jane["id"], active=False)
    assert scim.put(f"/Users/{jane['id']}", body).json()["active"] is False
    assert ScimUser.objects.get().membership.is_active is False


def test_groups_created_empty_then_filled_one_patch_per_member(scim, jane):
    kim = scim.post("/Users", authentik_user("kim", email="kim@acme.com", uid="ak-2")).json()
    created = scim.post("/Groups", authentik_group("Engineering"))
    assert created.status_code == 201, created.content
    group = created.json()
    assert group["externalId"] == "ak-group-1" and group["members"] == []
    for member in (jane, kim):
        response = scim.patch(
            f"/Groups/{group['id']}",
            patch_op({"op": "add", "path": "members", "value": [{"value": member["id"]}]}),
        )
        assert response.status_code == 200, response.content
    members = {m["value"] for m in scim.get(f"/Groups/{group['id']}").json()["members"]}
    assert members == {jane["id"], kim["id"]}


def test_group_rename_by_pathless_replace_and_removal_by_value_list(scim, jane):
    group = scim.post("/Groups", authentik_group("Engineering")).json()
    scim.patch(
        f"/Groups/{group['id']}",
        patch_op({"op": "add", "path": "members", "value": [{"value": jane["id"]}]}),
    )
    renamed = scim.patch(
        f"/Groups/{group['id']}",
        patch_op(
            {
                "op": "replace",
                "value": {
                    "id": group["id"],
                    "displayName": "Platform",
                    "externalId": "ak-group-1",
                    "members": [{"value": jane["id"]}],
                },
            }
        ),
    )
    assert renamed.status_code == 200, renamed.content
    assert renamed.json()["displayName"] == "Platform"
    assert [m["value"] for m in renamed.json()["members"]] == [jane["id"]]
    removed = scim.patch(
        f"/Groups/{group['id']}",
        patch_op({"op": "remove", "path": "members", "value": [{"value": jane["id"]}]}),
    )
    assert removed.json()["members"] == []
    assert ScimGroup.objects.get().display_name == "Platform"


def test_a_full_group_put_when_patch_is_not_used(scim, jane):
    group = scim.post("/Groups", authentik_group("Engineering")).json()
    body = {**authentik_group("Engineering"), "id": group["id"], "members": [{"value": jane["id"]}]}
    response = scim.put(f"/Groups/{group['id']}", body)
    assert response.status_code == 200, response.content
    assert [m["value"] for m in response.json()["members"]] == [jane["id"]]


def test_deletion(scim, jane):
    group = scim.post("/Groups", authentik_group("Engineering")).json()
    assert scim.delete(f"/Groups/{group['id']}").status_code == 204
    assert scim.delete(f"/Users/{jane['id']}").status_code == 204
    assert scim.get(f"/Users/{jane['id']}").status_code == 404
