"""Every SCIM request kind makes a fixed number of queries, whatever the organization's size
and the page size. Times are measured by bench/scim_bench.py, never asserted here.

Authentication costs no query once the key is remembered (cosmo_scim/key_cache.py, in a
cache every process shares; with a per-process cache it is one query, the key with its
organization). Each test makes a first request that reads the key, records its
``last_used_at`` and remembers it.
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cosmo_scim.models import ScimUser, ScimUserEmail

SCIM_JSON = "application/scim+json"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"

# The page with its emails and groups aggregated (1) + the count row (1, only when the page
# is full; read in the page's own statement on a first page); authentication is remembered.
LIST_QUERIES = 2
FIRST_PAGE_QUERIES = 1
LOOKUP_QUERIES = 1  # a filter that matches fewer than `count`: no count
GET_QUERIES = 1


@pytest.fixture(autouse=True)
def _remembered_keys(shared_cache):
    """Every process shares the cache, as in production with CACHE_URL."""


def seed(org, make_member, count, prefix="user", idp_key=None):
    """`count` provisioned members of `org`, two emails each; `idp_key`: the key they were
    provisioned through (their IdP link, which a write through another key moves)."""
    users = []
    for i in range(count):
        membership = make_member(org, email=f"{prefix}{i}@{org.slug}.example")
        scim_user = ScimUser.objects.create(
            organization=org,
            membership=membership,
            user_name=f"{prefix.title()}{i}@{org.slug}.example",
            external_id=f"{prefix}-ext-{i}",
            given_name=f"Given{i}",
            idp_key=idp_key,
        )
        ScimUserEmail.objects.create(
            scim_user=scim_user, value=f"{prefix}{i}@{org.slug}.example", primary=True
        )
        ScimUserEmail.objects.create(scim_user=scim_user, value=f"{prefix}{i}@home.example")
        users.append(scim_user)
    return users


@pytest.fixture
def scim(client, scim_key):
    _, key = scim_key

    def request(method, path, body=None, expected=200):
        response = client.generic(
            method,
            f"/scim/v2/{path}",
            json.dumps(body) if body is not None else "",
            content_type=SCIM_JSON,
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        assert response.status_code == expected, response.content
        return response.json() if response.content else None

    # One-time costs, not the request's: the key's last_used_at, and on SQLite Django's
    # probe for JSON support the first time a page aggregates emails and groups.
    request("GET", "Users?count=1")
    return request


def test_authenticated_floor_is_no_query(scim):
    queries, body = queries_of(scim, "GET", "ServiceProviderConfig")
    assert queries == 0
    assert body["patch"]["supported"] is True


def test_a_per_process_cache_reads_the_key_each_time(scim, per_process_cache, org, make_member):
    """LocMemCache could not hear another worker's revocation: one query more."""
    users = seed(org, make_member, 1)
    scim("GET", f"Users/{users[0].scim_id}")
    queries, _ = queries_of(scim, "GET", f"Users/{users[0].scim_id}")
    assert queries == GET_QUERIES + 1


def queries_of(scim, *args, **kwargs):
    with CaptureQueriesContext(connection) as captured:
        body = scim(*args, **kwargs)
    return len(captured), body


@pytest.fixture
def other_org(make_org, make_member):
    other = make_org("other", plan="enterprise")
    seed(other, make_member, 5, prefix="stranger")
    return other


@pytest.mark.parametrize("size", [1, 30])
@pytest.mark.parametrize("count", [1, 10, 200])
def test_list_is_a_fixed_number_of_queries(scim, org, make_member, other_org, size, count):
    seed(org, make_member, size)
    queries, body = queries_of(scim, "GET", f"Users?count={count}")
    assert body["totalResults"] == size
    assert body["itemsPerPage"] == min(size, count)
    assert queries <= LIST_QUERIES
    assert all(r["userName"].startswith("User") for r in body["Resources"])
    assert all(len(r["emails"]) == 2 and r["active"] for r in body["Resources"])


def test_a_first_page_reads_its_users_and_their_count_in_one_statement(
    scim, org, make_member, other_org
):
    seed(org, make_member, 30)
    queries, body = queries_of(scim, "GET", "Users?count=10")
    assert queries == FIRST_PAGE_QUERIES
    assert body["totalResults"] == 30 and body["itemsPerPage"] == 10


def test_deep_page_and_past_the_end(scim, org, make_member):
    users = seed(org, make_member, 12)
    queries, body = queries_of(scim, "GET", "Users?startIndex=6&count=5")
    assert queries <= LIST_QUERIES
    assert body["totalResults"] == 12 and body["startIndex"] == 6
    assert [r["id"] for r in body["Resources"]] == [u.scim_id for u in users[5:10]]
    queries, body = queries_of(scim, "GET", "Users?startIndex=11&count=5")
    assert body["totalResults"] == 12 and len(body["Resources"]) == 2
    queries, body = queries_of(scim, "GET", "Users?startIndex=40&count=5")
    assert queries <= LIST_QUERIES
    assert body["totalResults"] == 12 and body["Resources"] == []
    queries, body = queries_of(scim, "GET", "Users?count=0")
    assert body["totalResults"] == 12 and body["Resources"] == []


def test_sorted_page(scim, org, make_member):
    seed(org, make_member, 6)
    queries, body = queries_of(
        scim, "GET", "Users?sortBy=name.givenName&sortOrder=descending&count=3"
    )
    assert queries <= LIST_QUERIES
    assert [r["name"]["givenName"] for r in body["Resources"]] == ["Given5", "Given4", "Given3"]
    assert body["totalResults"] == 6


@pytest.mark.parametrize("size", [1, 30])
@pytest.mark.parametrize(
    "filter_",
    [
        'userName eq "user0@acme.example"',
        'externalId eq "user-ext-0"',
        'emails.value eq "USER0@HOME.EXAMPLE"',
    ],
)
def test_lookups(scim, org, make_member, other_org, size, filter_):
    seed(org, make_member, size)
    queries, body = queries_of(scim, "GET", f"Users?filter={filter_}")
    assert queries <= LOOKUP_QUERIES
    assert body["totalResults"] == 1
    assert body["Resources"][0]["userName"] == "User0@acme.example"


def test_lookup_of_nobody_and_of_another_tenant(scim, org, make_member, other_org):
    seed(org, make_member, 3)
    queries, body = queries_of(scim, "GET", 'Users?filter=userName eq "stranger0@other.example"')
    assert queries <= LOOKUP_QUERIES  # the key, an empty page
    assert body["totalResults"] == 0 and body["Resources"] == []


@pytest.mark.parametrize("size", [1, 30])
def test_get_by_id(scim, org, make_member, other_org, size):
    users = seed(org, make_member, size)
    queries, body = queries_of(scim, "GET", f"Users/{users[-1].scim_id}")
    assert queries == GET_QUERIES
    assert body["id"] == users[-1].scim_id
    assert body["meta"]["location"].endswith(f"/scim/v2/Users/{users[-1].scim_id}")
    assert [e["value"] for e in body["emails"]] == [
        f"user{size - 1}@acme.example",
        f"user{size - 1}@home.example",
    ]
    stranger = ScimUser.objects.filter(organization=other_org).first()
    scim("GET", f"Users/{stranger.scim_id}", expected=404)


def test_writes_do_not_depend_on_size(scim, scim_key, org, make_member):
    """PATCH and POST go through the lifecycle service: more queries than the reads (see
    docs/performance.md), but the same number for 1 user and for 31. The members were
    provisioned through this IdP's key, as in production (a write through another key
    costs one more UPDATE, once, to move the member's IdP link)."""
    patch = {"schemas": [PATCH_SCHEMA], "Operations": [{"op": "replace", "value": {}}]}

    def write_counts(users, tag):
        counts = []
        for active in (False, True):
            patch["Operations"][0]["value"] = {"active": active}
            queries, body = queries_of(scim, "PATCH", f"Users/{users[0].scim_id}", patch)
            assert body["active"] is active
            counts.append(queries)
        new = {
            "schemas": [USER_SCHEMA],
            "userName": f"{tag}@acme.example",
            "emails": [{"value": f"{tag}@acme.example", "primary": True}],
        }
        queries, body = queries_of(scim, "POST", "Users", new, expected=201)
        counts.append(queries)
        return counts

    small = write_counts(seed(org, make_member, 1, idp_key=scim_key[0]), "first")
    large = write_counts(seed(org, make_member, 30, prefix="more", idp_key=scim_key[0]), "second")
    assert small == large
    assert max(small) <= MAX_WRITE_QUERIES


# A write is a transaction of several statements (the row locked and read with its emails
# and groups, the membership and profile updates, ending sessions, revoking keys and
# invitations, the audit row). Counted here with the test transaction's SAVEPOINT and
# RELEASE, the key remembered: PATCH deactivate 9, reactivate 9, POST 12 — the POST's two
# account-rule statements (is the email already a member's here, asked before any account
# lookup; the AccountOwner row of a new account) are the tenant boundary's
# (docs/performance.md); reactivation and POST count the invitations recently sent to the
# address (INVITATION_ADDRESS_LIMIT).
MAX_WRITE_QUERIES = 12
