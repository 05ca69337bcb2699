"""The Group resource over HTTP: CRUD, lookups, projection, every IdP PATCH form, errors."""

import pytest
from scimkit import GROUP_SCHEMA, host, okta_group, okta_user, patch_op

from cosmo_scim.models import ScimGroup

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(scim):
    """Three SCIM users of Acme, by first name."""
    return {
        name: scim.create_user(f"{name}@acme.com", given=name.title())["id"]
        for name in ("ann", "bob", "cat")
    }


@pytest.fixture
def group(scim):
    def make(display_name="Engineering", members=(), **extra):
        response = scim.post("/Groups", okta_group(display_name, members, **extra))
        assert response.status_code == 201, response.content
        return response.json()

    return make


def member_ids(resource):
    return sorted(member["value"] for member in resource.get("members", []))


def team_member_ids(group_id):
    team = ScimGroup.objects.get(scim_id=group_id).team
    return sorted(m.scim_user.scim_id for m in host.team_members(team).select_related("scim_user"))


# --- create, read, replace, delete ----------------------------------------------------------


def test_okta_group_push_creates_the_group_and_its_team(scim, org):
    response = scim.post("/Groups", okta_group("Engineering", externalId="00g-eng"))
    assert response.status_code == 201
    created = response.json()
    assert created["schemas"] == [GROUP_SCHEMA]
    assert created["displayName"] == "Engineering"
    assert created["externalId"] == "00g-eng"
    assert created["members"] == []
    assert created["meta"]["resourceType"] == "Group"
    assert response["Location"] == created["meta"]["location"]
    assert created["meta"]["location"].endswith(f"/scim/v2/Groups/{created['id']}")
    team = host.teams(organization=org).get()
    assert host.team_name(team) == "Engineering"
    assert scim.get(f"/Groups/{created['id']}").json() == created


def test_post_with_members_returns_them_with_ref_and_type(scim, people, group):
    created = group("Engineering", [people["ann"]])
    assert created["members"] == [
        {
            "value": people["ann"],
            "$ref": f"http://testserver/scim/v2/Users/{people['ann']}",
            "type": "User",
        }
    ]
    assert team_member_ids(created["id"]) == [people["ann"]]


def test_member_display_is_returned_on_request(scim, people, group):
    """``members.display`` is ``returned: request``: members read back as written."""
    created = group("Engineering", [people["ann"]])
    path = f"/Groups/{created['id']}?attributes=displayName,members.display,members.value"
    assert scim.get(path).json()["members"] == [{"value": people["ann"], "display": "Ann Doe"}]
    listed = scim.get("/Groups?attributes=members.display").json()["Resources"][0]
    assert listed["members"] == [{"display": "Ann Doe"}]
    schema = scim.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group").json()
    members = next(a for a in schema["attributes"] if a["name"] == "members")
    display = next(s for s in members["subAttributes"] if s["name"] == "display")
    assert display["returned"] == "request" and display["mutability"] == "readOnly"


def test_display_name_is_unique_per_organization_case_insensitively(scim, other_scim, group):
    group("Engineering")
    response = scim.post("/Groups", okta_group("ENGINEERING"))
    assert response.status_code == 409
    assert response.json()["scimType"] == "uniqueness"
    assert other_scim.post("/Groups", okta_group("Engineering")).status_code == 201


def test_rename_onto_another_groups_name_is_409_and_changes_nothing(scim, group):
    group("Engineering")
    sales = group("Sales")
    response = scim.patch(
        f"/Groups/{sales['id']}",
        patch_op({"op": "replace", "path": "displayName", "value": "engineering"}),
    )
    assert response.status_code == 409
    assert scim.get(f"/Groups/{sales['id']}").json()["displayName"] == "Sales"


def test_put_replaces_name_external_id_and_members(scim, people, group):
    created = group("Engineering", [people["ann"], people["bob"]])
    body = okta_group("Platform", [people["bob"], people["cat"]], externalId="ext-1")
    response = scim.put(f"/Groups/{created['id']}", body)
    assert response.status_code == 200
    replaced = response.json()
    assert replaced["displayName"] == "Platform"
    assert replaced["externalId"] == "ext-1"
    assert member_ids(replaced) == sorted([people["bob"], people["cat"]])
    assert replaced["meta"]["version"] == 'W/"2"'
    assert team_member_ids(created["id"]) == member_ids(replaced)
    assert host.team_name(ScimGroup.objects.get(scim_id=created["id"]).team) == "Platform"


def test_delete_removes_group_and_team(scim, people, group):
    created = group("Engineering", [people["ann"]])
    assert scim.delete(f"/Groups/{created['id']}").status_code == 204
    assert scim.get(f"/Groups/{created['id']}").status_code == 404
    assert not host.teams().exists()
    user = scim.get(f"/Users/{people['ann']}").json()
    assert user["groups"] == []


def test_a_users_groups_attribute_lists_its_groups(scim, people, group):
    eng = group("Engineering", [people["ann"]])
    ops = group("Ops", [people["ann"], people["bob"]])
    ann = scim.get(f"/Users/{people['ann']}").json()
    assert sorted(g["display"] for g in ann["groups"]) == ["Engineering", "Ops"]
    first = next(g for g in ann["groups"] if g["value"] == eng["id"])
    assert first == {
        "value": eng["id"],
        "$ref": f"http://testserver/scim/v2/Groups/{eng['id']}",
        "display": "Engineering",
        "type": "direct",
    }
    listed = scim.get('/Users?filter=userName eq "bob@acme.com"').json()["Resources"][0]
    assert [g["value"] for g in listed["groups"]] == [ops["id"]]


def test_groups_is_read_only_on_users(scim, people, group):
    """RFC 7643 §4.1.2: group membership changes through the Group resource only."""
    group("Engineering")
    response = scim.patch(
        f"/Users/{people['ann']}",
        patch_op({"op": "add", "path": "groups", "value": [{"value": "x"}]}),
    )
    assert response.status_code == 400
    assert response.json()["scimType"] == "mutability"


# --- lookups, paging, projection ------------------------------------------------------------


def test_filters_by_display_name_external_id_id_and_member(scim, people, group):
    eng = group("Engineering", [people["ann"]], externalId="00g-eng")
    ops = group("Ops", [people["ann"], people["bob"]])
    group("Sales")

    def found(expression):
        response = scim.get(f"/Groups?filter={expression}")
        assert response.status_code == 200, response.content
        return sorted(r["displayName"] for r in response.json()["Resources"])

    assert found('displayName eq "engineering"') == ["Engineering"]
    assert found('externalId eq "00g-eng"') == ["Engineering"]
    assert found('externalId eq "00G-ENG"') == []
    assert found(f'id eq "{ops["id"]}"') == ["Ops"]
    assert found(f'members.value eq "{people["ann"]}"') == ["Engineering", "Ops"]
    assert found(f'members[value eq "{people["bob"]}"]') == ["Ops"]
    assert found('displayName eq "Engineering" or displayName eq "Sales"') == [
        "Engineering",
        "Sales",
    ]
    assert eng["id"] != ops["id"]


def test_entra_connection_test_gets_an_empty_list(scim):
    response = scim.get(
        '/Groups?excludedAttributes=members&filter=displayName eq "a8f1e2d4-nothing"'
    )
    assert response.status_code == 200
    assert response.json()["totalResults"] == 0
    assert response.json()["Resources"] == []


def test_excluded_attributes_members_and_attributes(scim, people, group):
    created = group("Engineering", [people["ann"]])
    listed = scim.get("/Groups?excludedAttributes=members").json()["Resources"][0]
    assert "members" not in listed and listed["displayName"] == "Engineering"
    single = scim.get(f"/Groups/{created['id']}?attributes=displayName").json()
    assert single == {"schemas": [GROUP_SCHEMA], "id": created["id"], "displayName": "Engineering"}
    only_values = scim.get(f"/Groups/{created['id']}?attributes=members.value").json()
    assert only_values["members"] == [{"value": people["ann"]}]


def test_list_pages_are_stable_and_counted(scim, group):
    for name in ("A", "B", "C", "D", "E"):
        group(name)
    first = scim.get("/Groups?startIndex=1&count=2").json()
    second = scim.get("/Groups?startIndex=3&count=2").json()
    third = scim.get("/Groups?startIndex=5&count=2").json()
    assert first["totalResults"] == 5
    assert (first["itemsPerPage"], second["itemsPerPage"], third["itemsPerPage"]) == (2, 2, 1)
    names = [r["displayName"] for p in (first, second, third) for r in p["Resources"]]
    assert sorted(names) == ["A", "B", "C", "D", "E"] and len(set(names)) == 5


def test_search_endpoint(scim, group):
    group("Engineering")
    response = scim.post(
        "/Groups/.search",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": 'displayName sw "eng"',
            "excludedAttributes": ["members"],
        },
    )
    assert response.status_code == 200
    assert [r["displayName"] for r in response.json()["Resources"]] == ["Engineering"]


# --- PATCH: every IdP form ------------------------------------------------------------------


def patch(scim, group_id, *operations):
    response = scim.patch(f"/Groups/{group_id}", patch_op(*operations))
    assert response.status_code == 200, response.content
    return response.json()


def test_okta_adds_members_with_a_value_list(scim, people, group):
    created = group("Engineering", [people["ann"]])
    patched = patch(
        scim,
        created["id"],
        {
            "op": "add",
            "path": "members",
            "value": [
                {"value": people["bob"], "display": "bob@acme.com"},
                {"value": people["ann"], "display": "ann@acme.com"},  # already there
            ],
        },
    )
    assert member_ids(patched) == sorted([people["ann"], people["bob"]])
    assert team_member_ids(created["id"]) == member_ids(patched)


def test_okta_removes_a_member_with_a_path_filter(scim, people, group):
    created = group("Engineering", [people["ann"], people["bob"]])
    patched = patch(
        scim, created["id"], {"op": "remove", "path": f'members[value eq "{people["ann"]}"]'}
    )
    assert member_ids(patched) == [people["bob"]]
    assert team_member_ids(created["id"]) == [people["bob"]]


def test_removing_a_member_already_gone_is_a_no_op(scim, people, group):
    created = group("Engineering", [people["bob"]])
    patched = patch(
        scim, created["id"], {"op": "remove", "path": f'members[value eq "{people["ann"]}"]'}
    )
    assert member_ids(patched) == [people["bob"]]
    assert patched["meta"]["version"] == 'W/"1"'


def test_entra_removes_members_with_path_members_and_a_value_list(scim, people, group):
    created = group("Engineering", [people["ann"], people["bob"], people["cat"]])
    patched = patch(
        scim,
        created["id"],
        {
            "op": "Remove",
            "path": "members",
            "value": [{"value": people["ann"]}, {"value": people["cat"]}],
        },
    )
    assert member_ids(patched) == [people["bob"]]


def test_entra_adds_with_a_capitalised_op(scim, people, group):
    created = group("Engineering")
    patched = patch(
        scim, created["id"], {"op": "Add", "path": "members", "value": [{"value": people["cat"]}]}
    )
    assert member_ids(patched) == [people["cat"]]


def test_remove_all_members(scim, people, group):
    created = group("Engineering", [people["ann"], people["bob"]])
    patched = patch(scim, created["id"], {"op": "remove", "path": "members"})
    assert patched["members"] == []
    assert team_member_ids(created["id"]) == []


def test_replace_members(scim, people, group):
    created = group("Engineering", [people["ann"], people["bob"]])
    patched = patch(
        scim,
        created["id"],
        {"op": "replace", "path": "members", "value": [{"value": people["cat"]}]},
    )
    assert member_ids(patched) == [people["cat"]]
    assert team_member_ids(created["id"]) == [people["cat"]]


def test_replace_display_name_by_path(scim, group):
    created = group("Engineering")
    patched = patch(
        scim, created["id"], {"op": "REPLACE", "path": "displayName", "value": "Platform"}
    )
    assert patched["displayName"] == "Platform"
    assert patched["meta"]["version"] == 'W/"2"'
    assert host.team_name(ScimGroup.objects.get(scim_id=created["id"]).team) == "Platform"


def test_okta_rename_with_a_pathless_value_carrying_the_id(scim, people, group):
    created = group("Engineering", [people["ann"]])
    patched = patch(
        scim,
        created["id"],
        {"op": "replace", "value": {"id": created["id"], "displayName": "Platform"}},
    )
    assert patched["displayName"] == "Platform"
    assert member_ids(patched) == [people["ann"]]


def test_several_operations_in_one_patch(scim, people, group):
    created = group("Engineering", [people["ann"]])
    patched = patch(
        scim,
        created["id"],
        {"op": "add", "path": "members", "value": [{"value": people["bob"]}]},
        {"op": "remove", "path": f'members[value eq "{people["ann"]}"]'},
        {"op": "replace", "path": "externalId", "value": "00g-eng"},
    )
    assert member_ids(patched) == [people["bob"]]
    assert patched["externalId"] == "00g-eng"
    assert patched["meta"]["version"] == 'W/"2"'


def test_changing_the_id_is_refused(scim, group):
    created = group("Engineering")
    response = scim.patch(
        f"/Groups/{created['id']}",
        patch_op({"op": "replace", "value": {"id": "another", "displayName": "X"}}),
    )
    assert response.status_code == 400
    assert response.json()["scimType"] == "mutability"


# --- bad input: 400 with scimType, nothing changed ------------------------------------------


def assert_unchanged(scim, before):
    after = scim.get(f"/Groups/{before['id']}").json()
    assert after == before


@pytest.mark.parametrize(
    "operations",
    [
        [{"op": "add", "path": "members", "value": [{"value": "no-such-user"}]}],
        [
            {"op": "replace", "path": "displayName", "value": "Renamed"},
            {"op": "add", "path": "members", "value": [{"value": "no-such-user"}]},
        ],
        [{"op": "add", "path": "members", "value": [{"display": "no value"}]}],
        [{"op": "add", "path": "members", "value": "not-a-list-of-objects"}],
        [{"op": "add", "path": "members", "value": [{"value": "x", "type": "Group"}]}],
        [{"op": "replace", "path": "displayName", "value": ""}],
        [{"op": "remove", "path": "displayName"}],
        [{"op": "replace", "path": "displayName", "value": 42}],
    ],
)
def test_bad_patches_are_invalid_value_and_change_nothing(scim, people, group, operations):
    before = group("Engineering", [people["ann"]])
    response = scim.patch(f"/Groups/{before['id']}", patch_op(*operations))
    assert response.status_code == 400, response.content
    assert response.json()["scimType"] == "invalidValue"
    assert_unchanged(scim, before)
    assert team_member_ids(before["id"]) == [people["ann"]]


@pytest.mark.parametrize(
    "body, scim_type",
    [
        ({"schemas": [GROUP_SCHEMA]}, "invalidValue"),
        ({"schemas": [GROUP_SCHEMA], "displayName": "  "}, "invalidValue"),
        ({"schemas": [GROUP_SCHEMA], "displayName": "X", "members": {}}, "invalidValue"),
        ({"schemas": [GROUP_SCHEMA], "displayName": "X", "externalId": 7}, "invalidValue"),
        ({"schemas": ["urn:nope"], "displayName": "X"}, "invalidValue"),
        ({"schemas": [GROUP_SCHEMA], "displayName": "X" * 256}, "invalidValue"),
    ],
)
def test_bad_posts_are_400_and_create_nothing(scim, body, scim_type):
    response = scim.post("/Groups", body)
    assert response.status_code == 400
    assert response.json()["scimType"] == scim_type
    assert not ScimGroup.objects.exists() and not host.teams().exists()


def test_post_with_an_unknown_member_creates_nothing(scim, people):
    response = scim.post("/Groups", okta_group("Engineering", [people["ann"], "ghost"]))
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"
    assert "ghost" in response.json()["detail"]
    assert not ScimGroup.objects.exists() and not host.teams().exists()


def test_unknown_group_is_404(scim):
    assert scim.get("/Groups/nope").status_code == 404
    assert (
        scim.patch("/Groups/nope", patch_op({"op": "remove", "path": "members"})).status_code == 404
    )
    assert scim.delete("/Groups/nope").status_code == 404


def test_stale_if_match_is_412(scim, group):
    created = group("Engineering")
    response = scim.patch(
        f"/Groups/{created['id']}",
        patch_op({"op": "replace", "path": "displayName", "value": "X"}),
        if_match='W/"7"',
    )
    assert response.status_code == 412
    assert_unchanged(scim, created)


def test_user_writes_return_the_users_groups(scim):
    user = scim.create_user("jane@acme.com")
    group = scim.post("/Groups", okta_group("Engineering", [user["id"]])).json()
    expected = [group["id"]]
    patched = scim.patch(
        f"/Users/{user['id']}", patch_op({"op": "replace", "path": "title", "value": "Lead"})
    ).json()
    assert [g["value"] for g in patched["groups"]] == expected
    put = scim.put(f"/Users/{user['id']}", okta_user("jane@acme.com", title="Staff")).json()
    assert [g["value"] for g in put["groups"]] == expected
    assert put["title"] == "Staff" and put["emails"][0]["value"] == "jane@acme.com"


def test_deleting_a_member_user_is_a_new_version_of_its_groups(scim, people, group):
    """The user leaves ``members`` with its membership: a client holding the group's ETag
    must not be told (304) that nothing changed."""
    engineering = group("Engineering", [people["ann"], people["bob"]])
    other = group("Ops", [people["cat"]])
    etag = engineering["meta"]["version"]
    assert scim.delete(f"/Users/{people['ann']}").status_code == 204

    response = scim.get(f"/Groups/{engineering['id']}", **{"If-None-Match": etag})
    assert response.status_code == 200
    assert member_ids(response.json()) == [people["bob"]]
    assert response.json()["meta"]["version"] != etag
    untouched = scim.get(f"/Groups/{other['id']}").json()
    assert untouched["meta"]["version"] == other["meta"]["version"]


def test_member_patches_apply_in_order_and_can_leave_members_out(scim, people, group):
    """Adds and removes of different members are applied from those members' links alone
    (group_lifecycle.MemberChanges); the same member added and removed in one PATCH is
    applied in order, to the whole group; ``excludedAttributes=members`` leaves them out
    of the response."""
    created = group("Engineering", [people["ann"]])
    path = f"/Groups/{created['id']}?excludedAttributes=members"
    response = scim.patch(
        path,
        patch_op(
            {"op": "add", "path": "members", "value": [{"value": people["bob"]}]},
            {"op": "remove", "path": f'members[value eq "{people["ann"]}"]'},
            {"op": "remove", "path": f'members[value eq "{people["cat"]}"]'},  # not a member
        ),
    )
    assert response.status_code == 200, response.content
    assert "members" not in response.json()
    both = patch_op(
        {"op": "add", "path": "members", "value": [{"value": people["cat"]}]},
        {"op": "remove", "path": "members", "value": [{"value": people["cat"]}]},
    )
    assert scim.patch(f"/Groups/{created['id']}", both).status_code == 200
    members = scim.get(f"/Groups/{created['id']}").json()["members"]
    assert [m["value"] for m in members] == [people["bob"]]
    unknown = patch_op({"op": "add", "path": "members", "value": [{"value": "nobody"}]})
    response = scim.patch(path, unknown)
    assert response.status_code == 400 and response.json()["scimType"] == "invalidValue"
