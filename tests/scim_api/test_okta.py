"""What Okta sends (docs/idp-dialects.md#okta), end to end through HTTP."""

import pytest
from scimkit import host, okta_user, patch_op

from cosmo_scim.models import ScimUser

pytestmark = pytest.mark.django_db

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


def test_lookup_before_assignment_is_an_empty_list_response(scim):
    response = scim.get('/Users?filter=userName eq "jane@acme.com"&startIndex=1&count=100')
    assert response.status_code == 200
    assert response["Content-Type"] == "application/scim+json"
    assert response.json() == {
        "schemas": [LIST_SCHEMA],
        "totalResults": 0,
        "itemsPerPage": 0,
        "startIndex": 1,
        "Resources": [],
    }


def test_create_returns_201_full_resource_and_location(scim, org):
    response = scim.post("/Users", okta_user("jane@acme.com"))
    assert response.status_code == 201
    body = response.json()
    assert response["Location"] == body["meta"]["location"]
    assert body["meta"]["location"].endswith(f"/scim/v2/Users/{body['id']}")
    assert body["schemas"] == [USER_SCHEMA]
    assert body["userName"] == "jane@acme.com"
    assert body["name"] == {"givenName": "Jane", "familyName": "Doe"}
    assert body["emails"] == [{"value": "jane@acme.com", "type": "work", "primary": True}]
    assert body["displayName"] == "Jane Doe"
    assert body["locale"] == "en-US"
    assert body["externalId"] == "00u-jane"
    assert body["active"] is True
    assert body["groups"] == []
    assert body["meta"]["resourceType"] == "User"
    assert body["meta"]["version"] == 'W/"1"'
    # The id is opaque and not the database key.
    scim_user = ScimUser.objects.get()
    assert body["id"] == scim_user.scim_id != str(scim_user.pk)
    # The person joined the organization with an active membership.
    membership = host.membership(organization=org)
    assert host.person(membership).email == "jane@acme.com" and host.active(membership)


def test_password_is_accepted_never_stored_or_returned(scim):
    body = scim.create_user("jane@acme.com")
    assert "password" not in body
    person = host.person(host.membership_of())
    assert not person.has_usable_password()
    assert "Okta-sends" not in str(scim.get(f"/Users/{body['id']}").content)


def test_second_post_of_same_user_name_is_409_uniqueness(scim):
    scim.create_user("jane@acme.com")
    response = scim.post("/Users", okta_user("JANE@acme.com"))
    assert response.status_code == 409
    assert response.json()["scimType"] == "uniqueness"
    assert response.json()["status"] == "409"
    assert ScimUser.objects.count() == 1


def test_user_name_filter_is_case_insensitive(scim):
    created = scim.create_user("jane@acme.com")
    response = scim.get('/Users?filter=userName eq "JANE@ACME.COM"')
    assert [r["id"] for r in response.json()["Resources"]] == [created["id"]]


def test_import_pages_with_integer_fields_and_stable_order(scim):
    ids = [scim.create_user(f"user{i:03}@acme.com")["id"] for i in range(7)]
    seen = []
    start = 1
    while True:
        page = scim.get(f"/Users?startIndex={start}&count=3").json()
        assert isinstance(page["totalResults"], int) and page["totalResults"] == 7
        assert isinstance(page["startIndex"], int) and page["startIndex"] == start
        assert page["itemsPerPage"] == len(page["Resources"])
        seen += [r["id"] for r in page["Resources"]]
        start += 3
        if start > page["totalResults"]:
            break
    assert seen == ids


def test_update_by_get_then_put(scim):
    created = scim.create_user("jane@acme.com")
    current = scim.get(f"/Users/{created['id']}").json()
    current["name"]["familyName"] = "Smith"
    current["title"] = "Engineer"
    current["displayName"] = "Jane Smith"
    response = scim.put(f"/Users/{created['id']}", current)
    assert response.status_code == 200
    body = response.json()
    assert body["name"]["familyName"] == "Smith" and body["title"] == "Engineer"
    assert body["meta"]["version"] == 'W/"2"'
    assert host.family_name(host.person(host.membership_of())) == "Smith"


def test_put_replaces_the_profile(scim):
    created = scim.create_user("jane@acme.com", title="Engineer")
    replacement = okta_user("jane@acme.com")
    response = scim.put(f"/Users/{created['id']}", replacement)
    assert "title" not in response.json()


def test_put_ignores_read_only_attributes(scim):
    created = scim.create_user("jane@acme.com")
    body = okta_user("jane@acme.com", id="forged-id", meta={"created": "1999-01-01T00:00:00Z"})
    body["groups"] = [{"value": "x"}]
    response = scim.put(f"/Users/{created['id']}", body)
    assert response.status_code == 200
    assert response.json()["id"] == created["id"]
    assert response.json()["meta"]["created"] == created["meta"]["created"]


def test_oin_deactivation_by_pathless_patch_and_reactivation(scim):
    created = scim.create_user("jane@acme.com")
    response = scim.patch(
        f"/Users/{created['id']}", patch_op({"op": "replace", "value": {"active": False}})
    )
    assert response.status_code == 200 and response.json()["active"] is False
    assert host.active(host.membership_of()) is False
    response = scim.patch(
        f"/Users/{created['id']}", patch_op({"op": "replace", "value": {"active": True}})
    )
    assert response.json()["active"] is True
    assert host.active(host.membership_of()) is True


def test_custom_app_deactivation_by_put_active_false(scim):
    created = scim.create_user("jane@acme.com")
    response = scim.put(f"/Users/{created['id']}", okta_user("jane@acme.com", active=False))
    assert response.status_code == 200 and response.json()["active"] is False
    assert host.active(host.membership_of()) is False
    response = scim.put(f"/Users/{created['id']}", okta_user("jane@acme.com", active=True))
    assert response.json()["active"] is True


def test_put_without_active_keeps_the_current_state(scim):
    created = scim.create_user("jane@acme.com", active=False)
    body = okta_user("jane@acme.com")
    del body["active"]
    assert scim.put(f"/Users/{created['id']}", body).json()["active"] is False


def test_deactivated_user_is_still_found_by_lookups(scim):
    created = scim.create_user("jane@acme.com", active=False)
    found = scim.get('/Users?filter=userName eq "jane@acme.com"').json()
    assert found["totalResults"] == 1 and found["Resources"][0]["active"] is False
    assert scim.get(f"/Users/{created['id']}").status_code == 200


def test_errors_are_scim_errors_with_string_status(scim):
    response = scim.get("/Users/does-not-exist")
    assert response.status_code == 404
    assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert response.json()["status"] == "404"


def okta_profile_user(user_name="jane@acme.com", **changes):
    """Okta's body with the profile mappings it commonly adds
    (docs/idp-dialects.md#okta): nickName, profileUrl, userType, timezone, title, work and
    mobile phone numbers and a work address."""
    profile = dict(
        nickName="Janie",
        profileUrl="https://acme.okta.com/profile/jane",
        userType="Employee",
        timezone="America/New_York",
        title="Engineer",
        phoneNumbers=[
            {"value": "+1 212 555 0100", "type": "work", "primary": True},
            {"value": "+1 212 555 0101", "type": "mobile"},
        ],
        addresses=[
            {
                "type": "work",
                "streetAddress": "100 Broadway",
                "locality": "New York",
                "region": "NY",
                "postalCode": "10005",
                "country": "US",
                "primary": True,
            }
        ],
    )
    return okta_user(user_name, **{**profile, **changes})


def read_back(resource, body):
    """The attributes of ``body`` as the server returns them (Okta's import reads these)."""
    return {name: resource.get(name) for name in body if name not in ("password", "groups")}


def test_profile_mappings_round_trip_by_put(scim):
    """Create, then Okta's update (GET, then PUT of the whole profile): every mapped attribute
    reads back as sent, and the PUT of an unchanged profile changes nothing."""
    body = okta_profile_user()
    created = scim.post("/Users", body).json()
    expected = {k: v for k, v in body.items() if k not in ("password", "groups")}
    assert read_back(scim.get(f"/Users/{created['id']}").json(), body) == expected
    changed = okta_profile_user(
        timezone="Europe/Paris",
        phoneNumbers=[{"value": "+33 1 23 45 67 89", "type": "mobile", "primary": True}],
    )
    updated = scim.put(f"/Users/{created['id']}", changed).json()
    assert updated["meta"]["version"] == 'W/"2"'
    expected = {k: v for k, v in changed.items() if k not in ("password", "groups")}
    assert read_back(scim.get(f"/Users/{created['id']}").json(), changed) == expected
    again = scim.put(f"/Users/{created['id']}", changed).json()
    assert again["meta"]["version"] == 'W/"2"'
