"""Every SCIM request kind reads rows in proportion to its page and its tenant, never to
the table: EXPLAIN (ANALYZE, BUFFERS) of each statement a request sent (tests/plankit.py),
on PostgreSQL, against a database where a plan that walks the table shows.

The database (seeded once for the module, committed, then ``VACUUM ANALYZE`` so that the
planner sees real statistics and a visibility map, as autovacuum gives it in production):
a few thousand members in many organizations with **interleaved ids** — a large tenant, a
mid-size one, a long tail, a small one, and the newest organization whose members all
have the highest ids — plus groups (one of 200 members) and member links. A primary-key
walk filtered by tenant reads other tenants' rows (and, for the newest organization, the
whole table) before it finds a page; a ``UPPER(x) LIKE`` scan reads every row of the
table. Both fail the bounds below.

At this size a sequential scan is the cheapest plan for nearly anything, and so is a
hash or merge join that reads a whole table or index to join a few hundred rows, while at
production size (docs/performance.md: a million members) they are not; the tests run with
``enable_seqscan``, ``enable_hashjoin`` and ``enable_mergejoin`` off so that PostgreSQL
picks among the plans it would pick at scale. A statement without another path still
scans the table (the settings only make that expensive) and fails.

Bounds are rows read, never times: each returned row may cost what rendering it reads (its
membership, emails and group links: ``PER_ROW``), plus a constant for the key, the count
row and lookups by primary key.
"""

import datetime as dt
import random

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.utils import timezone
from plankit import rows_read
from scimkit import ScimClient, okta_group, okta_user, patch_op

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

USERS = "cosmo_scim_scimuser"
GROUPS = "cosmo_scim_scimgroup"
# A returned user: itself, its membership, its email, its group links and their groups.
PER_ROW = 8
# The key (and its organization), the count row, a lock or a lookup by primary key.
CONSTANT = 40
# A filter no index serves reads the tenant: in the page and in the COUNT, each row and
# what is probed for it (its emails; its membership's state, twice for `active`).
TENANT_FACTOR = 5

TENANTS = {"large": 700, "mid": 200, "small": 25}
TAIL = 24  # organizations of the long tail
TAIL_SIZE = 60
NEWEST = 30  # members of the newest organization: the highest ids of the table
BASE = timezone.now() - dt.timedelta(days=400)


def _seed():
    """Interleaved members of many organizations, committed; returns {name: (org, key)}."""
    from cosmo_project.organizations.models import Membership, Organization, Team
    from cosmo_scim.models import APIKey, ScimGroup, ScimGroupMember, ScimUser, ScimUserEmail

    sizes = {**TENANTS, **{f"tail{i}": TAIL_SIZE for i in range(TAIL)}}
    orgs = {
        name: Organization.objects.create(slug=f"rows-{name}", name=name, plan="enterprise")
        for name in [*sizes, "newest"]
    }
    order = [name for name, size in sizes.items() for _ in range(size)]
    random.Random(15).shuffle(order)
    order += ["newest"] * NEWEST
    people = get_user_model().objects.bulk_create(
        get_user_model()(email=f"p{i}@people.example") for i in range(len(order))
    )
    memberships = Membership.objects.bulk_create(
        Membership(user=person, organization=orgs[name], role="viewer")
        for person, name in zip(people, order, strict=True)
    )
    scim_users = ScimUser.objects.bulk_create(
        ScimUser(
            organization=orgs[name],
            membership=membership,
            user_name=f"User{i:05d}@{name}.Example",
            external_id=f"ext-{i}",
            given_name=f"Given{i % 97}",
            family_name=f"Family{i % 89}",
            display_name=f"Person {i}",
            created=BASE + dt.timedelta(hours=3 * i),
            last_modified=BASE + dt.timedelta(hours=3 * i),
        )
        for i, (membership, name) in enumerate(zip(memberships, order, strict=True))
    )
    ScimUserEmail.objects.bulk_create(
        ScimUserEmail(scim_user=user, value=user.user_name.lower(), primary=True)
        for user in scim_users
    )
    by_org = {}
    for user in scim_users:
        by_org.setdefault(user.organization_id, []).append(user)
    for name, org in orgs.items():
        members = by_org[org.pk]
        for g in range(6 if name == "large" else 2):
            team = Team.objects.create(organization=org, name=f"team {g}")
            group = ScimGroup.objects.create(
                organization=org,
                team=team,
                display_name=f"Group {g} of {name}",
                external_id=f"{name}-g{g}",
                created=BASE + dt.timedelta(days=g),
                last_modified=BASE + dt.timedelta(days=g),
            )
            size = 200 if (name == "large" and g == 0) else 5
            ScimGroupMember.objects.bulk_create(
                ScimGroupMember(group=group, scim_user=user) for user in members[g : g + size]
            )
    # Invitations: nearly all long accepted; a few pending, sent, one of them due to expire.
    from cosmo_scim.models import Invitation

    now = timezone.now()
    Invitation.objects.bulk_create(
        Invitation(
            organization_id=membership.organization_id,
            membership=membership,
            email=f"p{i}@people.example",
            status="pending" if i % 100 == 0 else "accepted",
            sent_at=BASE,
            expires_at=now - dt.timedelta(days=1) if i == 0 else now + dt.timedelta(days=1 + i),
        )
        for i, membership in enumerate(memberships)
    )
    keys = {}
    for name, org in orgs.items():
        _key, plaintext = APIKey.objects.create_key(organization=org, name="IdP", scim=True)
        keys[name] = (org, plaintext)
    return keys


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    if connection.vendor != "postgresql":
        pytest.skip("rows read are PostgreSQL plans")
    from cosmo_project.organizations.models import Organization

    with django_db_blocker.unblock():
        keys = _seed()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        yield keys
        Organization.objects.filter(slug__startswith="rows-").delete()
        get_user_model().objects.filter(email__endswith="@people.example").delete()


@pytest.fixture(autouse=True)
def _index_plans(seeded, db):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_mergejoin = off")
        cursor.execute("SET LOCAL enable_hashjoin = off")


def client_for(seeded, name):
    org, key = seeded[name]
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

TENANTS_MEASURED = ("large", "small", "tail3", "newest")


@pytest.mark.parametrize("name", TENANTS_MEASURED)
def test_first_page(seeded, name):
    org, scim = client_for(seeded, name)
    response, explained = read(scim, "/Users?count=100")
    returned = len(response.json()["Resources"])
    assert returned == min(100, tenant_size(org))
    check(explained, returned)


@pytest.mark.parametrize("name", ("large", "mid"))
def test_deep_pages_cold_and_warm(seeded, name):
    """A cold deep page walks the tenant's index entries up to it (startIndex is a
    position), then reads its rows by key; the next page, sought from where this one
    ended, reads only its own."""
    org, scim = client_for(seeded, name)
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


@pytest.mark.parametrize("name", ("large", "newest"))
@pytest.mark.parametrize("index", range(len(_filters("x"))))
def test_filter(seeded, name, index):
    from cosmo_scim.models import ScimUser

    org, scim = client_for(seeded, name)
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
    assert ScimUser.objects.count() > 3 * tenant_size(org)
    check(explained, returned, matching=matching)


# -- reads and writes of one user ----------------------------------------------------------


def a_user(org, offset=5):
    from cosmo_scim.models import ScimUser

    return ScimUser.objects.filter(organization=org).order_by("pk")[offset]


@pytest.mark.parametrize("name", ("large", "newest"))
def test_get_by_id(seeded, name):
    org, scim = client_for(seeded, name)
    user = a_user(org)
    _, explained = read(scim, f"/Users/{user.scim_id}")
    check(explained, 1)


@pytest.mark.parametrize("name", ("large", "newest"))
def test_writes(seeded, name):
    org, scim = client_for(seeded, name)
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


@pytest.mark.parametrize("name", ("large", "newest"))
def test_group_reads(seeded, name):
    org, scim = client_for(seeded, name)
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


def test_group_member_patch_does_not_follow_group_size(seeded):
    """Adding or removing one member of a 200-member group reads what a 5-member group's
    does (group_lifecycle.MemberChanges); the response lists the members unless the
    request excludes them (then they are not read)."""
    from cosmo_scim.models import ScimGroup

    org, scim = client_for(seeded, "large")
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


def test_group_post(seeded):
    org, scim = client_for(seeded, "large")
    from cosmo_scim.models import ScimGroup

    groups = ScimGroup.objects.filter(organization=org).count()
    newcomer = a_user(org, offset=400)
    scim.get("/ServiceProviderConfig")
    post = okta_group("New group", members=[newcomer.scim_id])
    response, explained = rows_read(lambda: scim.post("/Groups", post))
    assert response.status_code == 201, response.content
    check(explained, 1, matching=groups, relation=GROUPS, slack=20)


# -- the admin and the commands --------------------------------------------------------------


def test_the_orphan_report_reads_no_account_of_a_member_it_does_not_list(seeded):
    """700 provisioned members and no orphan: the memberships and their SCIM profiles are
    read (the tenant), no account, no sort."""
    from cosmo_scim.provisioning import orphans

    org, _ = seeded["large"]
    found, explained = rows_read(lambda: orphans.find(org))
    assert found == []
    assert explained.rows_of("accounts_user") == 0, explained.describe()
    check(explained, 0, matching=3 * tenant_size(org), relation="organizations_membership")


def test_the_orphan_report_reads_the_accounts_of_the_orphans(seeded):
    from cosmo_project.organizations.models import Membership
    from cosmo_scim.models import ScimUser
    from cosmo_scim.provisioning import orphans

    org, _ = seeded["large"]
    hand_added = Membership.objects.create(
        organization=org, user=get_user_model().objects.create(email="hand@people.example")
    )
    assert not ScimUser.objects.filter(membership=hand_added).exists()
    found, explained = rows_read(lambda: orphans.find(org))
    assert [orphan.membership.pk for orphan in found] == [hand_added.pk]
    assert explained.rows_of("accounts_user") == 1, explained.describe()


def test_the_provisioning_overview_reads_the_tenant_not_the_table(seeded, admin_client):
    org, _ = seeded["large"]
    response, explained = rows_read(
        lambda: admin_client.get(f"/admin/organizations/organization/{org.pk}/scim/")
    )
    assert response.status_code == 200, response.content
    assert explained.rows_of("accounts_user") <= 2, explained.describe()  # the superuser
    assert explained.rows_read <= 8 * tenant_size(org) + 200, explained.describe()


def test_the_invitation_sweep_reads_only_what_is_due(seeded):
    """2,500 invitations, 25 pending (all sent), one of them expired: the sweep reads the
    due ones and the unsent ones, not the accepted thousands."""
    from cosmo_scim.models import Invitation
    from cosmo_scim.provisioning import invitation_delivery

    sent, explained = rows_read(invitation_delivery.send_pending)
    assert sent == 0
    pending = Invitation.objects.filter(status="pending").count()
    assert Invitation.objects.count() > 50 * pending
    check(explained, 0, matching=pending, relation="cosmo_scim_invitation")
