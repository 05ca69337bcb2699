"""POST /.search (RFC 7644 §3.4.3): one query over Users and Groups, paged, sorted and
projected as the per-type searches are, and never across organizations."""

import pytest
from scimkit import okta_group

pytestmark = pytest.mark.django_db

SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def search(scim, **body):
    response = scim.post("/.search", {"schemas": [SEARCH], **body})
    assert response.status_code == 200, response.content
    return response.json()


def names(page):
    return [r.get("userName") or r["displayName"] for r in page["Resources"]]


@pytest.fixture
def world(scim, other_scim):
    """Acme: three users and two groups (one with a member); Globex: one of each."""
    users = [
        scim.create_user(f"{name}@acme.com", displayName=display)
        for name, display in [("cleo", "Cleo"), ("adam", "Adam"), ("erin", "Erin")]
    ]
    groups = [
        scim.post("/Groups", okta_group(name, members=members)).json()
        for name, members in [("Dev", [users[0]["id"]]), ("Board", [])]
    ]
    other_scim.create_user("bob@globex.com", displayName="Bob")
    other_scim.post("/Groups", okta_group("Globex staff"))
    return users, groups


def test_lists_users_then_groups_with_their_own_schemas(scim, world):
    page = search(scim)
    assert page["schemas"] == [LIST]
    assert page["totalResults"] == 5 and page["itemsPerPage"] == 5 and page["startIndex"] == 1
    assert names(page) == ["cleo@acme.com", "adam@acme.com", "erin@acme.com", "Dev", "Board"]
    users, groups = world
    by_id = {r["id"]: r for r in page["Resources"]}
    for user in users:
        assert by_id[user["id"]]["meta"]["resourceType"] == "User"
        assert by_id[user["id"]]["schemas"][0] == USER
        assert by_id[user["id"]]["meta"]["location"] == user["meta"]["location"]
    for group in groups:
        assert by_id[group["id"]]["meta"]["resourceType"] == "Group"
        assert by_id[group["id"]]["schemas"] == [GROUP]
    # Each resource reads as its own endpoint shows it.
    assert by_id[groups[0]["id"]] == scim.get(f"/Groups/{groups[0]['id']}").json()
    assert by_id[users[0]["id"]] == scim.get(f"/Users/{users[0]['id']}").json()


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_pages_walk_the_merged_sequence_once(scim, world, count):
    whole = names(search(scim))
    seen, start = [], 1
    while True:
        page = search(scim, startIndex=start, count=count)
        assert page["totalResults"] == 5 and page["startIndex"] == start
        assert page["itemsPerPage"] == len(page["Resources"]) <= count
        seen += names(page)
        start += count
        if start > page["totalResults"]:
            break
    assert seen == whole


def test_past_the_end_and_count_zero(scim, world):
    assert search(scim, startIndex=9)["Resources"] == []
    assert search(scim, startIndex=9)["totalResults"] == 5
    empty = search(scim, count=0)
    assert (empty["totalResults"], empty["itemsPerPage"], empty["Resources"]) == (5, 0, [])


def test_sort_by_an_attribute_of_both_types_merges_them(scim, world):
    ascending = search(scim, sortBy="displayName")
    assert [r["displayName"] for r in ascending["Resources"]] == [
        "Adam",
        "Board",
        "Cleo",
        "Dev",
        "Erin",
    ]
    descending = search(scim, sortBy="displayName", sortOrder="descending")
    assert names(descending) == list(reversed(names(ascending)))


def test_sort_by_an_attribute_of_one_type_puts_the_other_where_missing_values_go(scim, world):
    # RFC 7644 §3.4.2.3: missing values sort last ascending, first descending.
    assert names(search(scim, sortBy="userName")) == [
        "adam@acme.com",
        "cleo@acme.com",
        "erin@acme.com",
        "Dev",
        "Board",
    ]
    assert names(search(scim, sortBy="userName", sortOrder="descending"))[:2] == ["Dev", "Board"]
    paged = [names(search(scim, sortBy="userName", startIndex=i, count=1))[0] for i in (1, 4, 5)]
    assert paged == ["adam@acme.com", "Dev", "Board"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('userName sw "a"', ["adam@acme.com"]),
        ('displayName co "d"', ["adam@acme.com", "Dev", "Board"]),
        ('userName eq "erin@acme.com" or displayName eq "Board"', ["erin@acme.com", "Board"]),
        ("not (userName pr)", ["Dev", "Board"]),
        ('userName ne "adam@acme.com"', ["cleo@acme.com", "erin@acme.com", "Dev", "Board"]),
        ("members pr", ["Dev"]),
        ('emails[type eq "work"].value co "cleo" or members pr', ["cleo@acme.com", "Dev"]),
        ('meta.created gt "2000-01-01T00:00:00Z" and displayName eq "Erin"', ["erin@acme.com"]),
    ],
)
def test_filter_applies_to_each_type_with_what_it_defines(scim, world, query, expected):
    page = search(scim, filter=query)
    assert names(page) == expected and page["totalResults"] == len(expected)


@pytest.mark.parametrize(
    "query", ['favoriteColor eq "x"', 'userName eq "a" or bogus pr', "userName eq"]
)
def test_a_filter_no_type_understands_is_invalid_filter(scim, world, query):
    response = scim.post("/.search", {"schemas": [SEARCH], "filter": query})
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidFilter"


def test_type_errors_are_still_errors(scim, world):
    response = scim.post("/.search", {"schemas": [SEARCH], "filter": 'active eq "true"'})
    assert response.status_code == 400 and response.json()["scimType"] == "invalidFilter"
    response = scim.post("/.search", {"schemas": [SEARCH], "sortBy": "emails"})
    assert response.status_code == 400 and response.json()["scimType"] == "invalidValue"


def test_attributes_and_excluded_attributes_apply_to_every_type(scim, world):
    page = search(scim, attributes=["displayName"])
    for resource in page["Resources"]:
        assert set(resource) == {"schemas", "id", "displayName"}
    page = search(scim, excludedAttributes=["members", "emails", "meta"])
    resources = page["Resources"]
    assert {r["displayName"] for r in resources} == {"Cleo", "Adam", "Erin", "Dev", "Board"}
    assert all("members" not in r and "emails" not in r and "meta" not in r for r in resources)


def test_never_another_organizations_resources(scim, other_scim, world):
    for query in [
        None,
        'displayName eq "Bob" or displayName eq "Globex staff"',
        'not (displayName eq "Adam")',
        "userName pr or members pr or not (members pr)",
    ]:
        page = search(scim, **({"filter": query} if query else {}))
        assert not {"bob@globex.com", "Globex staff", "Bob"} & set(names(page)), query
        assert page["totalResults"] == len(names(page))
    theirs = search(other_scim)
    assert names(theirs) == ["bob@globex.com", "Globex staff"] and theirs["totalResults"] == 2


def test_the_body_must_be_a_search_request(scim):
    response = scim.post("/.search", {"filter": "userName pr"})
    assert response.status_code == 400 and response.json()["scimType"] == "invalidValue"
    assert scim.post("/.search", "{nope").json()["scimType"] == "invalidSyntax"


def test_only_post(scim):
    response = scim.get("/.search")
    assert response.status_code == 405 and response["Allow"] == "POST"


def test_needs_the_key(client):
    response = client.post(
        "/scim/v2/.search", {"schemas": [SEARCH]}, content_type="application/json"
    )
    assert response.status_code == 401


@pytest.mark.parametrize("size", [2, 12])
def test_query_count_is_fixed(scim, world, size, django_assert_max_num_queries):
    for i in range(size):
        scim.post("/Groups", okta_group(f"G{i}", members=[world[0][1]["id"]]))
        scim.create_user(f"u{i}@acme.com")
    # key, page keys, the users, the groups and their members, the two counts
    with django_assert_max_num_queries(8):
        page = search(scim, count=100)
    assert page["totalResults"] == 5 + 2 * size
    with django_assert_max_num_queries(8):
        assert search(scim, startIndex=3, count=4)["itemsPerPage"] == 4


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('meta.resourceType eq "Group"', ["Dev", "Board"]),
        ('meta.resourceType eq "user" and userName sw "e"', ["erin@acme.com"]),
        ('meta.resourceType ne "User" and displayName eq "Dev"', ["Dev"]),
    ],
)
def test_filter_on_the_resource_type(scim, world, query, expected):
    assert names(search(scim, filter=query)) == expected


def test_sort_by_resource_type(scim, world):
    page = search(scim, sortBy="meta.resourceType", sortOrder="descending")
    assert [r["meta"]["resourceType"] for r in page["Resources"]] == ["User"] * 3 + ["Group"] * 2
    assert "scim_resource_type" not in str(page)


def test_get_at_the_base_url_is_the_same_query(scim, world):
    response = scim.get('/?filter=displayName co "d"&sortBy=displayName&count=2&startIndex=2')
    assert response.status_code == 200, response.content
    body = response.json()
    expected = search(
        scim, filter='displayName co "d"', sortBy="displayName", count=2, startIndex=2
    )
    assert body == expected and names(body) == ["Board", "Dev"]
    assert scim.get("/").json()["totalResults"] == 5
    assert scim.post("/", {"schemas": [SEARCH]}).status_code == 405
    assert scim.get("/?filter=bogus pr").json()["scimType"] == "invalidFilter"


@pytest.mark.parametrize(
    ("projection", "expected"),
    [
        (
            {"attributes": ["userName"]},
            {"User": {"schemas", "id", "userName"}, "Group": {"schemas", "id"}},
        ),
        (
            {"attributes": "members,emails"},
            {"User": {"schemas", "id", "emails"}, "Group": {"schemas", "id", "members"}},
        ),
    ],
)
def test_an_attribute_of_one_type_projects_that_type(scim, world, projection, expected):
    page = search(scim, **projection)
    for resource in page["Resources"]:
        kind = "User" if resource["schemas"][0] == USER else "Group"
        assert set(resource) <= expected[kind] and "id" in resource


@pytest.mark.parametrize(
    "projection",
    [
        {"attributes": ["favoriteColor"]},
        {"excludedAttributes": "userName,bogus"},
        {"attributes": ['emails[type eq "work"]']},
    ],
)
def test_an_attribute_of_no_type_is_invalid_path(scim, world, projection):
    response = scim.post("/.search", {"schemas": [SEARCH], **projection})
    assert response.status_code == 400 and response.json()["scimType"] == "invalidPath"
    assert scim.get("/?attributes=favoriteColor").json()["scimType"] == "invalidPath"
