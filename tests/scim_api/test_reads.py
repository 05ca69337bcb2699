"""Listing, filtering, paging, sorting, .search and attribute projection over HTTP."""

import pytest
from django.urls import set_script_prefix
from scimkit import okta_user

from cosmo_scim.models import APIKey, ScimUser

pytestmark = pytest.mark.django_db

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


@pytest.fixture
def people(scim):
    made = {}
    for name, title, dept in [
        ("alice", "Engineer", "R&D"),
        ("bob", "Manager", "Sales"),
        ("carol", "Engineer", "Sales"),
        ("dave_100%", None, None),
    ]:
        extra = {"title": title} if title else {}
        if dept:
            extra["schemas"] = ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE]
            extra[ENTERPRISE] = {"department": dept, "employeeNumber": name[:1].upper() + "1"}
        made[name] = scim.create_user(f"{name}@acme.com", given=name.title(), **extra)
    return made


def ids(response):
    assert response.status_code == 200, response.content
    return sorted(r["userName"].split("@")[0] for r in response.json()["Resources"])


@pytest.mark.parametrize(
    "query, expected",
    [
        ('title eq "engineer"', ["alice", "carol"]),
        ('title ne "Engineer"', ["bob", "dave_100%"]),
        ('userName sw "A"', ["alice"]),
        ('userName ew "@ACME.com"', ["alice", "bob", "carol", "dave_100%"]),
        ('userName co "100%"', ["dave_100%"]),
        ('userName co "_"', ["dave_100%"]),
        ("title pr", ["alice", "bob", "carol"]),
        ("not (title pr)", ["dave_100%"]),
        ('title eq "Engineer" and name.givenName eq "carol"', ["carol"]),
        ('title eq "Manager" or (title eq "Engineer" and name.givenName sw "a")', ["alice", "bob"]),
        (f'{ENTERPRISE}:department eq "sales"', ["bob", "carol"]),
        (f'{ENTERPRISE}:employeeNumber eq "A1"', ["alice"]),
        ("active eq true", ["alice", "bob", "carol", "dave_100%"]),
        ("active eq false", []),
        ('displayName co "Bob"', ["bob"]),
        ('emails[type eq "work" and value co "car"]', ["carol"]),
        ('emails.value sw "ALICE"', ["alice"]),
        ('meta.created gt "2000-01-01T00:00:00Z"', ["alice", "bob", "carol", "dave_100%"]),
        ('meta.lastModified lt "2000-01-01T00:00:00Z"', []),
        ('USERNAME EQ "bob@acme.com"', ["bob"]),
        ('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bob@acme.com"', ["bob"]),
    ],
)
def test_filters(scim, people, query, expected):
    assert ids(scim.get(f"/Users?filter={query}")) == expected


def test_filter_by_id(scim, people):
    alice = people["alice"]["id"]
    assert ids(scim.get(f'/Users?filter=id eq "{alice}"')) == ["alice"]
    assert ids(scim.get(f'/Users?filter=id eq "{alice.upper()}"')) == []


def test_paging_edges(scim, people):
    assert scim.get("/Users?startIndex=0&count=2").json()["startIndex"] == 1
    assert scim.get("/Users?startIndex=-5").json()["startIndex"] == 1
    negative = scim.get("/Users?count=-1").json()
    assert negative["totalResults"] == 4 and negative["Resources"] == []
    beyond = scim.get("/Users?startIndex=50").json()
    assert beyond["totalResults"] == 4 and beyond["itemsPerPage"] == 0


def test_count_is_capped_at_advertised_max_results(scim, people, settings):
    settings.COSMO_SCIM = {**settings.COSMO_SCIM, "MAX_RESULTS": 3}
    config = scim.get("/ServiceProviderConfig").json()
    assert config["filter"]["maxResults"] == 3
    page = scim.get("/Users?count=1000").json()
    assert page["itemsPerPage"] == 3 and page["totalResults"] == 4


def test_sorting(scim, people):
    names = [
        r["userName"]
        for r in scim.get("/Users?sortBy=userName&sortOrder=descending").json()["Resources"]
    ]
    assert names == sorted(names, reverse=True)


def test_search_endpoint_reads_the_body(scim, people):
    response = scim.post(
        "/Users/.search",
        {
            "schemas": [SEARCH],
            "filter": 'title eq "Engineer"',
            "attributes": ["userName"],
            "startIndex": 1,
            "count": 1,
            "sortBy": "userName",
        },
    )
    body = response.json()
    assert body["totalResults"] == 2 and body["itemsPerPage"] == 1
    assert body["Resources"] == [
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
            "id": people["alice"]["id"],
            "userName": "alice@acme.com",
        }
    ]


def test_search_requires_the_search_request_schema(scim):
    response = scim.post("/Users/.search", {"filter": "userName pr"})
    assert response.status_code == 400


def test_attributes_projection_on_get_and_list(scim, people):
    alice = people["alice"]["id"]
    one = scim.get(
        f"/Users/{alice}?attributes=userName,name.givenName,{ENTERPRISE}:department"
    ).json()
    assert one == {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "id": alice,
        "userName": "alice@acme.com",
        "name": {"givenName": "Alice"},
        ENTERPRISE: {"department": "R&D"},
    }
    listed = scim.get("/Users?attributes=emails.value&count=1").json()["Resources"][0]
    assert listed["emails"] == [{"value": "alice@acme.com"}]


def test_excluded_attributes(scim, people):
    alice = people["alice"]["id"]
    one = scim.get(
        f"/Users/{alice}?excludedAttributes=emails,meta,name.familyName,{ENTERPRISE}"
    ).json()
    assert "emails" not in one and "meta" not in one and ENTERPRISE not in one
    assert one["name"] == {"givenName": "Alice"}
    assert one["id"] == alice  # id is returned always
    assert "id" in scim.get(f"/Users/{alice}?excludedAttributes=id").json()


@pytest.mark.parametrize("parameter", ["attributes", "excludedAttributes"])
@pytest.mark.parametrize(
    "path",
    ['emails[type eq "work"]', "emails[type", "name..givenName", "nickname,bogus", "members"],
)
def test_malformed_or_unknown_attribute_paths_are_400_invalid_path(scim, people, parameter, path):
    """RFC 7644 §3.12: the same answer for a GET, a list, an empty list and a search,
    decided before anything is read."""
    alice = people["alice"]["id"]
    responses = [
        scim.get(f"/Users/{alice}?{parameter}={path}"),
        scim.get(f"/Users?{parameter}={path}"),
        scim.get(f'/Users?filter=userName eq "nobody"&{parameter}={path}'),
        scim.post(
            "/Users/.search",
            {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], parameter: path},
        ),
    ]
    for response in responses:
        assert response.status_code == 400, response.content
        assert response.json()["scimType"] == "invalidPath"


def test_attribute_paths_of_groups_are_checked_against_the_group(scim):
    assert scim.get("/Groups?attributes=userName").json()["scimType"] == "invalidPath"
    assert scim.get("/Groups?excludedAttributes=members").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "schemas",
        "ID",
        "meta.lastModified",
        "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName",
        ENTERPRISE,
        f"{ENTERPRISE}:manager.value",
        "phoneNumbers.value",
        "timezone",
    ],
)
def test_defined_attribute_paths_are_accepted(scim, people, path):
    """Including those the user has no value for (RFC 7644 §3.9)."""
    assert scim.get(f"/Users?attributes={path}").status_code == 200


def test_discovery_documents(scim):
    config = scim.get("/ServiceProviderConfig").json()
    assert config["patch"]["supported"] and not config["bulk"]["supported"]
    assert config["filter"] == {"supported": True, "maxResults": 200}
    assert config["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    types = {r["id"]: r for r in scim.get("/ResourceTypes").json()["Resources"]}
    assert types["User"]["schemaExtensions"] == [{"schema": ENTERPRISE, "required": False}]
    assert scim.get("/ResourceTypes/User").json()["endpoint"] == "/Users"
    schemas = {s["id"] for s in scim.get("/Schemas").json()["Resources"]}
    assert {"urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE} <= schemas
    user_schema = scim.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User").json()
    names = {a["name"] for a in user_schema["attributes"]}
    assert {"userName", "name", "displayName", "emails", "active", "title", "groups"} <= names
    assert scim.get("/Schemas/urn:nope").status_code == 404
    assert scim.get("/ResourceTypes/Nope").status_code == 404


@pytest.mark.parametrize("size", [1, 200])
def test_list_query_count_is_fixed(scim, org, size, django_assert_max_num_queries, bulk_users):
    bulk_users(org, size)
    APIKey.objects.update(last_used_at=None)
    scim.get("/Users?count=1")  # first use writes last_used_at; measure steady state
    for count in (1, 200):
        with django_assert_max_num_queries(3):  # key, page (emails, groups aggregated), COUNT
            page = scim.get(f"/Users?count={count}").json()
        assert page["itemsPerPage"] == min(count, size)
    with django_assert_max_num_queries(2):  # no COUNT: the page tells totalResults
        found = scim.get('/Users?filter=userName eq "bulk0@acme.com"').json()
    assert found["totalResults"] == 1
    with django_assert_max_num_queries(2):
        scim.get('/Users?filter=emails[type eq "work"].value eq "bulk0@acme.com"')
    user_id = ScimUser.objects.first().scim_id
    with django_assert_max_num_queries(2):  # key, user (emails, groups aggregated)
        assert scim.get(f"/Users/{user_id}").status_code == 200


@pytest.fixture
def bulk_users(scim):
    def make(org, size):
        for i in range(size):
            scim.post("/Users", okta_user(f"bulk{i}@acme.com"))
        assert ScimUser.objects.filter(organization=org).count() == size

    return make


def test_discovery_links_follow_the_script_prefix(scim):
    """The document and the SCIM root are kept per process, by base URL and script prefix
    (which Django's WSGI handler sets from SCRIPT_NAME on every request): a server mounted
    under a prefix links under it, and one without does not."""
    try:
        for prefix, root in (("/app/", "/app/scim/v2"), ("/", "/scim/v2")):
            set_script_prefix(prefix)
            response = scim.get("/ServiceProviderConfig")
            assert response.status_code == 200, response.content
            location = response.json()["meta"]["location"]
            assert location == f"http://testserver{root}/ServiceProviderConfig"
    finally:
        set_script_prefix("/")
