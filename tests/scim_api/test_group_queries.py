"""Big groups cost a fixed number of queries: Okta and Entra move a thousand members at once."""

import pytest
from scimkit import bulk_scim_users, okta_group, patch_op

from cosmo_project.organizations.models import Team
from cosmo_scim.models import APIKey, RoleMapping, ScimUser

pytestmark = pytest.mark.django_db

# Steady-state budgets (the key's last_used_at write is excluded by warming up first),
# the same for one member and for a thousand. A PATCH measures 22 queries on PostgreSQL
# (savepoints included) whatever the size; SQLite binds at most 999 parameters per
# statement, so there a thousand member rows and team rows take 3 INSERTs each instead of 1.
GET_BUDGET = 3  # key, group, members with their users
LIST_BUDGET = 4  # key, COUNT, page, members of the whole page
PATCH_BUDGET = 26


@pytest.fixture
def warm(scim):
    """Absorb one-time costs: the key's last_used_at write, and on SQLite Django's probe of
    JSON support on the connection's first JSON read."""
    APIKey.objects.update(last_used_at=None)
    scim.get("/Groups?count=1")
    scim.get("/Users?count=1")


@pytest.mark.parametrize("size", [1, 1000])
def test_add_then_read_then_remove_members_in_fixed_queries(
    scim, org, warm, size, django_assert_max_num_queries
):
    RoleMapping.objects.create(organization=org, value="Engineering", role="developer")
    group = scim.post("/Groups", okta_group("Engineering")).json()
    users = bulk_scim_users(org, size)
    value = [{"value": user.scim_id, "display": user.user_name} for user in users]

    with django_assert_max_num_queries(PATCH_BUDGET):
        response = scim.patch(
            f"/Groups/{group['id']}", patch_op({"op": "add", "path": "members", "value": value})
        )
    assert response.status_code == 200
    assert len(response.json()["members"]) == size
    assert Team.objects.get().members.count() == size
    assert set(ScimUser.objects.values_list("membership__role", flat=True)) == {"developer"}

    with django_assert_max_num_queries(GET_BUDGET):
        single = scim.get(f"/Groups/{group['id']}").json()
    assert len(single["members"]) == size

    with django_assert_max_num_queries(PATCH_BUDGET):
        response = scim.patch(
            f"/Groups/{group['id']}",
            patch_op({"op": "Remove", "path": "members", "value": value}),
        )
    assert response.status_code == 200 and response.json()["members"] == []
    assert Team.objects.get().members.count() == 0
    assert set(ScimUser.objects.values_list("membership__role", flat=True)) == {"viewer"}


@pytest.mark.parametrize("size", [1, 1000])
def test_listing_groups_with_members_is_fixed(scim, org, warm, size, django_assert_max_num_queries):
    users = bulk_scim_users(org, size)
    members = [user.scim_id for user in users]
    for name in ("Engineering", "Ops", "Sales"):
        assert scim.post("/Groups", okta_group(name, members)).status_code == 201
    with django_assert_max_num_queries(LIST_BUDGET):
        page = scim.get("/Groups").json()
    assert page["totalResults"] == 3
    assert [len(g["members"]) for g in page["Resources"]] == [size] * 3
    with django_assert_max_num_queries(LIST_BUDGET):
        found = scim.get(f'/Groups?filter=members.value eq "{members[0]}"').json()
    assert found["totalResults"] == 3
    with django_assert_max_num_queries(LIST_BUDGET + 1):  # + the users' groups
        users_page = scim.get("/Users?count=200").json()
    assert all(len(u["groups"]) == 3 for u in users_page["Resources"])


@pytest.mark.parametrize("size", [1, 1000])
def test_entra_lookup_without_members_does_not_read_them(
    shared_cache, scim, org, warm, size, django_assert_num_queries
):
    """Entra checks a group with ``excludedAttributes=members``: the group, and not the
    (possibly thousands of) members the answer leaves out. (The key is remembered in the
    shared cache: no query of its own.)"""
    users = bulk_scim_users(org, size)
    group = scim.post("/Groups", okta_group("Engineering", [u.scim_id for u in users])).json()
    query = 'excludedAttributes=members&filter=displayName eq "Engineering"'
    with django_assert_num_queries(1):
        found = scim.get(f"/Groups?{query}").json()
    assert found["totalResults"] == 1
    assert "members" not in found["Resources"][0]
    with django_assert_num_queries(1):
        single = scim.get(f"/Groups/{group['id']}?attributes=displayName").json()
    assert single == {"schemas": group["schemas"], "id": group["id"], "displayName": "Engineering"}
    with django_assert_num_queries(2):  # asked for: members are read
        wanted = scim.get(f"/Groups/{group['id']}?attributes=members.value").json()
    assert len(wanted["members"]) == size
    with django_assert_num_queries(1):
        search = scim.post(
            "/Groups/.search",
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                "excludedAttributes": ["members"],
            },
        ).json()
    assert search["totalResults"] == 1 and "members" not in search["Resources"][0]
