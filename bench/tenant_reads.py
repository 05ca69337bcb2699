"""Rows read by the admin's pages and the management commands for one organization of the
realistic database (bench/realistic.py): each is run once, rolled back, and its statements
replayed under EXPLAIN (ANALYZE, BUFFERS) (tests/plankit.py).

Each is bounded by the organization's rows, never the table's: ``BOUND_PER_MEMBER`` rows
for each of its members (the member, its membership, account, profile, email, invitation
and three audit events are each read at most once or twice) plus a constant for the page's
small lookups. A statement over the bound names its biggest scan in the report.
"""

import io

BOUND_PER_MEMBER = 6
BOUND_CONSTANT = 5_000


def admin_pages(org):
    """(label, path): every admin page that reads one organization's rows."""
    of_org = f"?organization__id__exact={org.pk}"
    return [
        ("admin: provisioning overview", f"/admin/organizations/organization/{org.pk}/scim/"),
        ("admin: API keys", f"/admin/cosmo_scim/apikey/{of_org}"),
        ("admin: invitations", f"/admin/cosmo_scim/invitation/{of_org}"),
        ("admin: audit trail", f"/admin/cosmo_scim/auditevent/{of_org}"),
        ("admin: verified domains", f"/admin/cosmo_scim/verifieddomain/{of_org}"),
        ("admin: role mappings", f"/admin/cosmo_scim/rolemapping/{of_org}"),
        ("admin: SSO connections", f"/admin/cosmo_scim/ssoconnection/{of_org}"),
    ]


def measure(org, members, superuser):
    """Rows read by each admin page and command for ``org`` (``members`` of them)."""
    from django.core.management import call_command
    from django.test import Client
    from plankit import rows_read

    admin = Client()
    admin.force_login(superuser)
    calls = [(label, lambda path=path: admin.get(path)) for label, path in admin_pages(org)]
    calls.append(
        (
            "manage.py scim_orphans",
            lambda: call_command("scim_orphans", org.slug, stdout=io.StringIO()),
        )
    )
    bound = BOUND_PER_MEMBER * members + BOUND_CONSTANT
    results = []
    for label, call in calls:
        response, explained = rows_read(call)
        status = getattr(response, "status_code", 200)
        assert status == 200, (label, status)
        worst = explained.worst()
        scans = sorted((s for st in explained.statements for s in st.scans), key=lambda s: s.rows)
        biggest = scans[-1] if scans else None
        results.append(
            {
                "kind": label,
                "statements": len(explained.statements),
                "rows_read": explained.rows_read,
                "bound": bound,
                "biggest_scan": f"{biggest.node} on {biggest.relation}: {biggest.rows:,}"
                if biggest
                else "",
                "worst_statement": worst.describe() if worst else "",
            }
        )
    return results
