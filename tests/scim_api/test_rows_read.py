"""Every SCIM request kind reads rows in proportion to its page and its tenant, never to
the table: EXPLAIN (ANALYZE, BUFFERS) of each statement a request sent (tests/plankit.py),
on PostgreSQL, against the interleaved many-tenant database of tests/rowsdb.py — at a
large tenant (over a third of the table), a sparse one and the newest.

Bounds are rows read, never times: each returned row may cost what rendering it reads (its
membership, emails and group links: ``PER_ROW``), plus a constant for the key, the count
row and lookups by primary key; and no statement reads more of a table than the tenant
has in it (rowsdb.check_tenant_tables).
"""

import datetime as dt

import pytest
from django.test import Client
from plankit import rows_read
from rowsdb import (
    BASE,
    CONSTANT,
    GROUPS,
    PER_ROW,
    USERS,
    check_tenant_tables,
)
from scimkit import ScimClient, okta_group, okta_user, patch_op

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db,
    pytest.mark.usefixtures("rows_read_plans"),
]

# A filter no index serves reads the tenant once (the page and its count are one read,
# listing.counted_page), and for each row what is probed for it (its emails; its
# membership's state, twice for `active`).
TENANT_FACTOR = 4


def client_for(rows_db, name):
    org, key, _ = rows_db[name]
    return org, ScimClient(Client(), key)


def read(scim, path, expected=200):
    scim.get("/ServiceProviderConfig")  # the key's once-a-minute last_used_at write
    response, explained = rows_read(lambda: scim.get(path))
    assert response.status_code == expected, response.content
    return response, explained


def tenant_size(org):
    from cosmo_scim.models import ScimUser

    return ScimUser.objects.filter(organization=org).count()


def check(explained, returned, matching=0, relation=USERS, slack=0):
    """Rows read ≤ what the returned rows cost + the tenant's matching rows + a constant;
    of ``relation`` itself, no more than the returned and matching rows (+ ``slack``)."""
    bound = PER_ROW * returned + matching + CONSTANT + slack
    assert explained.rows_read <= bound, f"{explained.rows_read} > {bound}\n{explained.describe()}"
    own = explained.rows_of(relation)
    own_bound = returned + matching + 2 + slack
    assert own <= own_bound, f"{relation}: {own} > {own_bound}\n{explained.describe()}"


# -- lists ---------------------------------------------------------------------------------

TENANTS_MEASURED = ("large", "sparse", "small", "tail3", "newest")
MEASURED = ("large", "sparse", "newest")


@pytest.mark.parametrize("name", TENANTS_MEASURED)
def test_first_page(rows_db, name):
    """The tenant's first 100 rows: its index walked to the page, or, for a tenant of a few
    hundred, its rows read and the first 100 kept — never another tenant's."""
    org, scim = client_for(rows_db, name)
    response, explained = read(scim, "/Users?count=100")
    returned = len(response.json()["Resources"])
    assert returned == min(100, tenant_size(org))
    check(explained, returned, matching=tenant_size(org) - returned)


@pytest.mark.parametrize("name", ("large", "sparse"))
def test_deep_pages_cold_and_warm(rows_db, name):
    """A cold deep page walks the tenant's index entries up to it (startIndex is a
    position), then reads its rows by key; the next page, sought from where this one
    ended, reads only its own."""
    org, scim = client_for(rows_db, name)
    size = tenant_size(org)
    start = size - 150
    response, cold = read(scim, f"/Users?startIndex={start}&count=100")
    assert len(response.json()["Resources"]) == 100
    check(cold, 100, matching=start + 100)
    response, warm = read(scim, f"/Users?startIndex={start + 100}&count=100")
    returned = len(response.json()["Resources"])
    check(warm, returned, matching=returned)  # its keys, then its rows


# -- filters: every operator on every filterable attribute ---------------------------------


def _filters(name):
    """(filter, how many of the tenant's rows it may read): the matching rows where an
    index serves the operator and few rows match; the tenant where no index can serve it
    (``co``, ``ew``, ``ne``, ``not``, ``pr``, and attributes without an index), or where
    many rows match (PostgreSQL then walks the tenant in page order and stops at the
    page, rather than reading every match to sort them): docs/performance.md."""
    tenant = None  # the tenant's rows
    day = (BASE + dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    late = (BASE + dt.timedelta(days=600)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [
        ('userName eq "USER00003@{name}.example"', 1),
        ('userName sw "user0001"', "matching"),
        ('userName co "0001"', tenant),
        ('userName ew "0@{name}.example"', tenant),
        ('userName ne "nobody"', tenant),
        ("userName pr", tenant),
        ('userName gt "user02"', "matching"),
        ('userName lt "user00010"', "matching"),
        ('externalId eq "ext-17"', 1),
        ('externalId sw "ext-17"', "matching"),
        ('externalId sw "ext-1"', tenant),
        ('emails.value eq "user00003@{name}.example"', 1),
        ('emails.value co "0003"', tenant),
        ('emails[type eq "work" and value sw "user"]', tenant),
        ('name.givenName eq "given5"', tenant),
        ('displayName co "Person 1"', tenant),
        ("active eq true", tenant),
        (f'meta.lastModified gt "{late}"', "matching"),
        (f'meta.lastModified ge "{day}"', tenant),
        (f'meta.lastModified lt "{day}"', "matching"),
        (f'meta.created le "{day}"', "matching"),
        (f'meta.created eq "{day}"', "matching"),
        ('userName sw "user0" and meta.lastModified gt "' + day + '"', tenant),
        ('userName sw "user0001" and meta.lastModified gt "' + day + '"', 10),
        ('userName eq "nobody" or externalId eq "ext-3"', 2),
        ('not (userName sw "user0")', tenant),
        ('id eq "00000000-0000-0000-0000-000000000000"', 1),
    ]


@pytest.mark.parametrize("name", MEASURED)
@pytest.mark.parametrize("index", range(len(_filters("x"))))
def test_filter(rows_db, name, index):
    from cosmo_scim.models import ScimUser

    org, scim = client_for(rows_db, name)
    text, reads = _filters(name)[index]
    text = text.replace("{name}", name)
    response, explained = read(scim, f"/Users?count=100&filter={text}")
    body = response.json()
    returned = len(body["Resources"])
    if reads is None:
        matching = TENANT_FACTOR * tenant_size(org)
    elif reads == "matching":
        matching = body["totalResults"]
    else:
        matching = reads
    assert ScimUser.objects.count() > 2.5 * tenant_size(org)
    check(explained, returned, matching=matching)
    # The page and totalResults are one read of the matching users: never the tenant twice.
    assert explained.rows_of(USERS) <= tenant_size(org) + returned + 2, explained.describe()


# -- reads and writes of one user ----------------------------------------------------------


def a_user(org, offset=5):
    from cosmo_scim.models import ScimUser

    return ScimUser.objects.filter(organization=org).order_by("pk")[offset]


@pytest.mark.parametrize("name", MEASURED)
def test_get_by_id(rows_db, name):
    org, scim = client_for(rows_db, name)
    user = a_user(org)
    _, explained = read(scim, f"/Users/{user.scim_id}")
    check(explained, 1)


@pytest.mark.parametrize("name", MEASURED)
def test_writes(rows_db, name):
    org, scim = client_for(rows_db, name)
    user = a_user(org)
    scim.get("/ServiceProviderConfig")
    path = f"/Users/{user.scim_id}"
    body = okta_user(f"renamed.{user.user_name}", given="Renamed")
    writes = [
        ("POST", lambda: scim.post("/Users", okta_user(f"new@{name}.example")), 201),
        ("PUT", lambda: scim.put(path, body), 200),
        (
            "PATCH",
            lambda: scim.patch(
                path, patch_op({"op": "replace", "path": "name.givenName", "value": "Patched"})
            ),
            200,
        ),
        (
            "PATCH active",
            lambda: scim.patch(path, patch_op({"op": "replace", "value": {"active": False}})),
            200,
        ),
        ("DELETE", lambda: scim.delete(path), 204),
    ]
    for label, call, status in writes:
        response, explained = rows_read(call)
        assert response.status_code == status, (label, response.content)
        try:
            check(explained, 1, slack=10)
        except AssertionError as failure:
            raise AssertionError(f"{label}: {failure}") from None


# -- groups ----------------------------------------------------------------------------------


def a_group(org, size=None):
    from cosmo_scim.models import ScimGroup

    groups = ScimGroup.objects.filter(organization=org).order_by("pk")
    return groups.first() if size is None else groups.last()


@pytest.mark.parametrize("name", MEASURED)
def test_group_reads(rows_db, name):
    org, scim = client_for(rows_db, name)
    from cosmo_scim.models import ScimGroup

    group = a_group(org)
    members = group.member_links.count()
    # A tenant has few groups (5,800 among 2,000 organizations in the shape): a
    # lookup may read the tenant's groups.
    groups = ScimGroup.objects.filter(organization=org).count()
    for path, returned, matching in [
        ("/Groups?count=100&excludedAttributes=members", 0, 10),
        (f'/Groups?filter=displayName eq "{group.display_name}"', 1, members * 3),
        (f'/Groups?filter=externalId eq "{group.external_id}"&excludedAttributes=members', 1, 0),
        ('/Groups?filter=displayName sw "group"&excludedAttributes=members', 0, 10),
        (f"/Groups/{group.scim_id}?excludedAttributes=members", 1, 0),
        (f"/Groups/{group.scim_id}", 1, members * 3),
    ]:
        _response, explained = read(scim, path)
        try:
            check(explained, returned, matching=matching + groups, relation=GROUPS)
        except AssertionError as failure:
            raise AssertionError(f"{path}: {failure}") from None


def test_group_member_patch_does_not_follow_group_size(rows_db):
    """Adding or removing one member of a 200-member group reads what a 5-member group's
    does (group_lifecycle.MemberChanges); the response lists the members unless the
    request excludes them (then they are not read)."""
    from cosmo_scim.models import ScimGroup

    org, scim = client_for(rows_db, "large")
    groups = ScimGroup.objects.filter(organization=org).count()
    big = ScimGroup.objects.filter(organization=org).order_by("pk").first()
    newcomer, member = a_user(org, offset=400), big.member_links.first().scim_user
    assert big.member_links.count() == 200
    scim.get("/ServiceProviderConfig")
    path = f"/Groups/{big.scim_id}?excludedAttributes=members"
    for operation in [
        {"op": "add", "path": "members", "value": [{"value": newcomer.scim_id}]},
        {"op": "remove", "path": f'members[value eq "{member.scim_id}"]'},
        {"op": "Remove", "path": "members", "value": [{"value": member.scim_id}]},
    ]:
        response, explained = rows_read(lambda op=operation: scim.patch(path, patch_op(op)))
        assert response.status_code == 200, response.content
        assert "members" not in response.json()
        try:
            check(explained, 1, matching=groups, relation=GROUPS, slack=10)
        except AssertionError as failure:
            raise AssertionError(f"{operation}: {failure}") from None
    add = patch_op({"op": "add", "path": "members", "value": [{"value": newcomer.scim_id}]})
    response, explained = rows_read(lambda: scim.patch(f"/Groups/{big.scim_id}", add))
    assert len(response.json()["members"]) == 201
    check(explained, 1, matching=groups + 2 * 201, relation=GROUPS, slack=10)


@pytest.mark.parametrize("name", ("large", "sparse"))
def test_group_writes(rows_db, name):
    """POST, a member PATCH, PUT and DELETE of a group read the group, the members they
    name and the tenant's few groups."""
    from cosmo_scim.models import ScimGroup

    org, scim = client_for(rows_db, name)
    groups = ScimGroup.objects.filter(organization=org).count()
    newcomer, other = a_user(org, offset=150), a_user(org, offset=160)
    group = a_group(org, size="small")
    scim.get("/ServiceProviderConfig")
    path = f"/Groups/{group.scim_id}"
    add = patch_op({"op": "add", "path": "members", "value": [{"value": newcomer.scim_id}]})
    put = okta_group("Renamed group", members=[newcomer.scim_id, other.scim_id])
    for label, call, status, slack in [
        ("POST", lambda: scim.post("/Groups", okta_group("New", [newcomer.scim_id])), 201, 20),
        ("PATCH add", lambda: scim.patch(f"{path}?excludedAttributes=members", add), 200, 20),
        ("PUT", lambda: scim.put(path, put), 200, 40),
        ("DELETE", lambda: scim.delete(path), 204, 40),
    ]:
        response, explained = rows_read(call)
        assert response.status_code == status, (label, response.content)
        try:
            check(explained, 1, matching=groups, relation=GROUPS, slack=slack)
        except AssertionError as failure:
            raise AssertionError(f"{label}: {failure}") from None


@pytest.mark.parametrize("name", ("large", "sparse"))
def test_searches_and_the_floor(rows_db, name):
    """POST /.search is the list it names; the floor and the discovery documents read the
    key alone."""
    org, scim = client_for(rows_db, name)
    search = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": 'userName co "5@"',
        "count": 100,
    }
    for path, body, returned in [
        ("/Users/.search", search, 100),
        ("/Groups/.search", {**search, "filter": 'displayName sw "group"'}, 6),
    ]:
        scim.get("/ServiceProviderConfig")
        response, explained = rows_read(lambda p=path, b=body: scim.post(p, b))
        assert response.status_code == 200, response.content
        assert len(response.json()["Resources"]) <= returned
        check_tenant_tables(explained, org, passes=1)
    for path in ("/ServiceProviderConfig", "/Schemas", "/ResourceTypes"):
        _, explained = read(scim, path)
        check(explained, 0)
