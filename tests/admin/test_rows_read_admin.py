"""Every admin page and management command that reads a tenant reads that tenant's rows,
never a table: EXPLAIN (ANALYZE, BUFFERS) of each statement (tests/plankit.py) on the
interleaved many-tenant database of tests/rowsdb.py, at a large tenant (over a third of
the table: a sequential scan reads nearly three times its rows) and a sparse one.

The bound (rowsdb.check_tenant_tables): no statement reads more rows of a table than the
organization has in it, plus a constant for the page's lookups by key, and the page reads
each table at most twice over (a changelist counts the rows and reads its page; the
overview counts the members, then checks them for orphans).
"""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from plankit import rows_read
from rowsdb import CONSTANT, check_tenant_tables

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db,
    pytest.mark.usefixtures("rows_read_plans"),
]

TENANTS = ("large", "sparse")
# The changelists an org admin opens, each scoped to their organization (admin/scope.py)
# and ordered by it first (admin/scoped_admin.py); the first six filter by organization.
CHANGELISTS = (
    "cosmo_scim/apikey",
    "cosmo_scim/invitation",
    "cosmo_scim/rolemapping",
    "cosmo_scim/verifieddomain",
    "cosmo_scim/ssoconnection",
    "cosmo_scim/auditevent",
    "cosmo_scim/ssoidentity",
    "organizations/organization",
)


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def page(client, path):
    response, explained = rows_read(lambda: client.get(path))
    assert response.status_code == 200, (path, response.status_code)
    return explained


@pytest.mark.parametrize("name", TENANTS)
def test_the_provisioning_overview_reads_the_organization(rows_db, name):
    """The counts, the keys, the latest events and the orphan report of a tenant that is a
    third of the table, or a sparse one: the members, memberships and invitations of the
    organization, each read at most twice; the accounts of nobody but the admin."""
    org, _, admin = rows_db[name]
    explained = page(signed_in(admin), f"/admin/organizations/organization/{org.pk}/scim/")
    check_tenant_tables(explained, org, passes=2)
    assert explained.rows_of("accounts_user") <= 2, explained.describe()
    superuser = get_user_model().objects.create_superuser(email="root@people.example")
    explained = page(signed_in(superuser), f"/admin/organizations/organization/{org.pk}/scim/")
    check_tenant_tables(explained, org, passes=2)


@pytest.mark.parametrize("name", TENANTS)
@pytest.mark.parametrize("changelist", CHANGELISTS)
def test_an_org_admins_lists_read_the_organization(rows_db, name, changelist):
    """The page and, where the list counts them, the count: each reads the organization's
    rows at most (the page, in the organization's order, may sort them)."""
    org, _, admin = rows_db[name]
    explained = page(signed_in(admin), f"/admin/{changelist}/")
    check_tenant_tables(explained, org, passes=2, slack=CONSTANT + 100)


@pytest.mark.parametrize("name", TENANTS)
@pytest.mark.parametrize("changelist", CHANGELISTS[:6])
def test_lists_filtered_to_the_organization_read_it(rows_db, name, changelist):
    """A superuser's changelist, filtered to the organization (the overview's links)."""
    org, _, _ = rows_db[name]
    superuser = get_user_model().objects.create_superuser(email="root@people.example")
    explained = page(signed_in(superuser), f"/admin/{changelist}/?organization__id__exact={org.pk}")
    check_tenant_tables(explained, org, passes=2, slack=CONSTANT + 100)


@pytest.mark.parametrize("name", TENANTS)
def test_the_orphan_command_reads_the_organization(rows_db, name):
    """``manage.py scim_orphans`` with no orphan: the organization's memberships and their
    SCIM profiles, no account."""
    org, _, _ = rows_db[name]
    out = io.StringIO()
    _, explained = rows_read(lambda: call_command("scim_orphans", org.slug, stdout=out))
    assert "0 orphaned member(s)" in out.getvalue()
    check_tenant_tables(explained, org, passes=1)
    assert explained.rows_of("accounts_user") == 0, explained.describe()


def test_the_orphan_report_reads_the_accounts_of_the_orphans(rows_db):
    from cosmo_project.organizations.models import Membership
    from cosmo_scim.models import ScimUser
    from cosmo_scim.provisioning import orphans

    org, _, _ = rows_db["large"]
    hand_added = Membership.objects.create(
        organization=org, user=get_user_model().objects.create(email="hand@people.example")
    )
    assert not ScimUser.objects.filter(membership=hand_added).exists()
    found, explained = rows_read(lambda: orphans.find(org))
    assert [orphan.membership.pk for orphan in found] == [hand_added.pk]
    assert explained.rows_of("accounts_user") == 1, explained.describe()
    check_tenant_tables(explained, org, passes=2)


def test_the_invitation_sweep_reads_only_what_is_due(rows_db):
    """2,500 invitations, 25 pending (all sent), one of them expired: the sweep reads the
    due ones and the unsent ones, not the accepted thousands."""
    from cosmo_scim.models import Invitation
    from cosmo_scim.provisioning import invitation_delivery

    sent, explained = rows_read(invitation_delivery.send_pending)
    assert sent == 0
    pending = Invitation.objects.filter(status="pending").count()
    assert Invitation.objects.count() > 50 * pending
    assert explained.rows_of("cosmo_scim_invitation") <= pending + 2, explained.describe()
    assert explained.rows_read <= pending + CONSTANT, explained.describe()


def test_the_audit_trail_of_a_large_tenant_reads_a_page_of_its_index(rows_db):
    """Newest first, a third of the table: the organization's latest events are the first
    entries of its range of ``(organization, -created_at, -id)``; the page reads those,
    not the organization's 1,800 events nor anyone else's, and shows them in that order."""
    from cosmo_scim.models import AuditEvent

    org, _, admin = rows_db["large"]
    client = signed_in(admin)
    response, explained = rows_read(lambda: client.get("/admin/cosmo_scim/auditevent/"))
    assert response.status_code == 200
    shown = [event.pk for event in response.context["cl"].result_list]
    newest = AuditEvent.objects.filter(organization=org).order_by("-created_at", "-id")
    assert shown == list(newest.values_list("pk", flat=True)[: len(shown)])
    assert len(shown) == 100
    (listed,) = [
        statement
        for statement in explained.statements
        if statement.sql.startswith('SELECT "cosmo_scim_auditevent"."id"')
    ]
    assert listed.rows_of("cosmo_scim_auditevent") <= 2 * len(shown), listed.describe()


def test_the_invitations_of_a_large_tenant_read_a_page_of_their_index(rows_db):
    """Newest first, a third of the table: the page is the first entries of the
    organization's range of ``(organization, -id)``, not all its invitations sorted."""
    from cosmo_scim.models import Invitation

    org, _, admin = rows_db["large"]
    client = signed_in(admin)
    response, explained = rows_read(lambda: client.get("/admin/cosmo_scim/invitation/"))
    assert response.status_code == 200
    shown = [invitation.pk for invitation in response.context["cl"].result_list]
    newest = Invitation.objects.filter(organization=org).order_by("-id")
    assert shown == list(newest.values_list("pk", flat=True)[: len(shown)])
    assert shown
    (listed,) = [
        statement
        for statement in explained.statements
        if statement.sql.startswith('SELECT "cosmo_scim_invitation"."id"')
    ]
    assert listed.rows_of("cosmo_scim_invitation") <= 2 * len(shown), listed.describe()
