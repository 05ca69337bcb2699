"""The interleaved many-tenant database of the rows-read tests, and their bounds.

Seeded once per test module, committed, then ``VACUUM ANALYZE`` so that the planner sees
real statistics and a visibility map, as autovacuum gives it in production: a few thousand
members in many organizations with **interleaved ids** — a **large** tenant that is over a
third of the table, a **sparse** one (a few percent of the rows, spread thinly over all
of it), a small one, a long tail, and the newest organization whose members all have the
highest ids — plus groups (one of 200 members), member links, invitations, audit events,
role mappings, a verified domain and an SSO connection each, and an org admin per tenant.
A primary-key walk filtered by tenant reads other tenants' rows (and, for the newest
organization, the whole table) before it finds a page; a sequential scan reads the whole
table, nearly three times the large tenant's rows. Both fail the bounds below.

At this size a sequential scan is the cheapest plan for nearly anything, and so is a hash
or merge join that reads a whole table or index to join a few hundred rows, while at
production size they are not; the tests run with ``enable_seqscan``, ``enable_hashjoin``
and ``enable_mergejoin`` off so that PostgreSQL picks among the plans it would pick at
scale (which plan it does pick there: bench/realistic.py, docs/performance.md). A
statement without another path still scans the table (the settings only make that
expensive) and fails.
"""

import datetime as dt
import random

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

USERS = "cosmo_scim_scimuser"
GROUPS = "cosmo_scim_scimgroup"
# A returned user: itself, its membership, its email, its group links and their groups.
PER_ROW = 8
# The key (and its organization), the count row, a lock or a lookup by primary key.
CONSTANT = 40

TENANTS = {"large": 900, "sparse": 200, "small": 25}
TAIL = 24  # organizations of the long tail
TAIL_SIZE = 60
NEWEST = 30  # members of the newest organization: the highest ids of the table
EVENTS_PER_MEMBER = 2
BASE = timezone.now() - dt.timedelta(days=400)


def _people(orgs, sizes):
    """Accounts, memberships, SCIM users and their emails, interleaved across ``orgs``."""
    from cosmo_project.organizations.models import Membership
    from cosmo_scim.models import ScimUser, ScimUserEmail

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
    return memberships, scim_users


def _groups(orgs, scim_users):
    from cosmo_project.organizations.models import Team
    from cosmo_scim.models import ScimGroup, ScimGroupMember

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


def _records(orgs, memberships, scim_users):
    """Invitations (nearly all long accepted; a few pending, sent, one of them due to
    expire), audit events, and per organization a role mapping, a verified domain, an SSO
    connection with an identity per tenth member, and an admin."""
    from cosmo_scim.models import (
        AuditEvent,
        Invitation,
        RoleMapping,
        SsoConnection,
        SsoIdentity,
        VerifiedDomain,
    )

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
    AuditEvent.objects.bulk_create(
        AuditEvent(
            organization_id=user.organization_id,
            action="provisioned",
            user_name=user.user_name,
            scim_id=user.scim_id,
            created_at=user.created + dt.timedelta(hours=e),
        )
        for user in scim_users
        for e in range(EVENTS_PER_MEMBER)
    )
    connections = {}
    for name, org in orgs.items():
        RoleMapping.objects.create(organization=org, value=f"Group 1 of {name}", role="admin")
        VerifiedDomain.objects.create(organization=org, domain=f"{name}.example")
        connections[org.pk] = SsoConnection.objects.create(
            organization=org, name=f"{name} IdP", protocol="oidc", issuer="https://idp.example"
        )
    SsoIdentity.objects.bulk_create(
        SsoIdentity(
            connection=connections[membership.organization_id],
            subject=f"sub-{i}",
            person_id=membership.user_id,
        )
        for i, membership in enumerate(memberships)
        if i % 10 == 0
    )
    admins = {}
    for membership in memberships:
        if membership.organization_id not in admins:
            membership.role = "admin"
            membership.save(update_fields=["role"])
            admins[membership.organization_id] = membership.user
    return admins


def seed():
    """The database, committed: ``{name: Tenant(org, key, admin)}``."""
    from cosmo_project.organizations.models import Organization
    from cosmo_scim.models import APIKey

    sizes = {**TENANTS, **{f"tail{i}": TAIL_SIZE for i in range(TAIL)}}
    orgs = {
        name: Organization.objects.create(slug=f"rows-{name}", name=name, plan="enterprise")
        for name in [*sizes, "newest"]
    }
    memberships, scim_users = _people(orgs, sizes)
    _groups(orgs, scim_users)
    admins = _records(orgs, memberships, scim_users)
    tenants = {}
    for name, org in orgs.items():
        _, plaintext = APIKey.objects.create_key(organization=org, name="IdP", scim=True)
        tenants[name] = (org, plaintext, admins[org.pk])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return tenants


def unseed():
    from cosmo_project.organizations.models import Organization

    Organization.objects.filter(slug__startswith="rows-").delete()
    get_user_model().objects.filter(email__endswith="@people.example").delete()


def seeded_for_module(django_db_blocker):
    """The body of the ``rows_db`` fixture (conftest.py): the database for a module's
    tests, then gone (``yield from`` it)."""
    if connection.vendor != "postgresql":
        pytest.skip("rows read are PostgreSQL plans")
    with django_db_blocker.unblock():
        yield seed()
        unseed()


def plans_at_scale():
    """The planner settings of every rows-read test (see the module's docstring)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_mergejoin = off")
        cursor.execute("SET LOCAL enable_hashjoin = off")


def tenant_rows(org):
    """{table: the organization's rows in it} for the tables that hold tenants' rows."""
    from cosmo_project.organizations.models import Membership
    from cosmo_scim.models import (
        AuditEvent,
        Invitation,
        ScimGroup,
        ScimGroupMember,
        ScimUser,
        ScimUserEmail,
        SsoIdentity,
    )

    members = Membership.objects.filter(organization=org).count()
    return {
        USERS: ScimUser.objects.filter(organization=org).count(),
        "organizations_membership": members,
        "accounts_user": members,
        "cosmo_scim_scimuseremail": ScimUserEmail.objects.filter(
            scim_user__organization=org
        ).count(),
        "cosmo_scim_invitation": Invitation.objects.filter(organization=org).count(),
        "cosmo_scim_auditevent": AuditEvent.objects.filter(organization=org).count(),
        GROUPS: ScimGroup.objects.filter(organization=org).count(),
        "cosmo_scim_scimgroupmember": ScimGroupMember.objects.filter(
            group__organization=org
        ).count(),
        "cosmo_scim_ssoidentity": SsoIdentity.objects.filter(connection__organization=org).count(),
    }


def check_tenant_tables(explained, org, slack=CONSTANT, passes=1):
    """No statement reads more rows of a table than the organization has in it (+
    ``slack``), and the request reads each at most ``passes`` times that: a plan that walks
    a table reads every tenant's rows, over twice the large tenant's."""
    own = tenant_rows(org)
    for statement in explained.statements:
        for table in {scan.relation for scan in statement.scans}:
            bound = own.get(table, 0) + slack
            read = statement.rows_of(table)
            assert read <= bound, f"{table}: {read} > {bound}\n{statement.describe()}"
    for table in {scan.relation for st in explained.statements for scan in st.scans}:
        bound = passes * own.get(table, 0) + slack
        read = explained.rows_of(table)
        assert read <= bound, f"{table}: {read} > {bound} in all\n{explained.describe()}"
