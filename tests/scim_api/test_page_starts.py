"""Deep pages of the unfiltered /Users list are sought from remembered starts:
the answer must be exactly OFFSET's, through inserts, deletes, updates and other tenants."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from scimkit import bulk_scim_users, patch_op

from cosmo_scim.models import ScimUser


def page_ids(scim, start, count):
    response = scim.get(f"/Users?startIndex={start}&count={count}")
    assert response.status_code == 200, response.content
    body = response.json()
    return [r["id"] for r in body["Resources"]], body["totalResults"]


def offset_ids(org, start, count):
    """What OFFSET over the organization's users in id order returns."""
    users = ScimUser.objects.filter(organization=org).order_by("pk")
    return list(users.values_list("scim_id", flat=True)[start - 1 : start - 1 + count])


def walk(scim, org, count):
    """Page through everything the way Okta does; every page must equal OFFSET's."""
    seen, start = [], 1
    while True:
        ids, total = page_ids(scim, start, count)
        assert ids == offset_ids(org, start, count)
        assert total == ScimUser.objects.filter(organization=org).count()
        if not ids:
            return seen
        seen += ids
        start += len(ids)


def page_sql(scim, start, count):
    with CaptureQueriesContext(connection) as queries:
        page_ids(scim, start, count)
    return " ".join(q["sql"] for q in queries.captured_queries).upper()


def test_a_sequential_walk_returns_every_user_once_in_order(org, scim):
    bulk_scim_users(org, 23)
    seen = walk(scim, org, 5)
    assert seen == offset_ids(org, 1, 100)
    # The second walk seeks every page past the first from the starts the first one left.
    assert walk(scim, org, 5) == seen


def test_a_remembered_start_replaces_the_offset(org, scim):
    bulk_scim_users(org, 30)
    first_visit = page_sql(scim, 21, 5)
    assert "OFFSET" in first_visit  # walked to
    # ...over the users' own index: a join (the membership's is_active, say) would make
    # the walk read every row it skips (250 ms instead of 12 at 100,000 users).
    assert 'JOIN "ORGANIZATIONS_MEMBERSHIP"' not in first_visit
    assert "OFFSET" not in page_sql(scim, 21, 5)  # again: sought
    assert "OFFSET" not in page_sql(scim, 26, 5)  # the page after it: sought
    assert page_ids(scim, 26, 5)[0] == offset_ids(org, 26, 5)


def test_deletes_and_inserts_invalidate_starts(org, scim, make_member):
    users = bulk_scim_users(org, 20)
    walk(scim, org, 6)
    ScimUser.objects.filter(pk__in=[users[0].pk, users[7].pk]).delete()
    walk(scim, org, 6)  # every position moved: OFFSET's answer, not the remembered one
    bulk_scim_users(org, 4, prefix="late")
    walk(scim, org, 6)
    users[3].membership.delete()  # a host-side delete moves positions too
    walk(scim, org, 6)


def test_updates_keep_starts_valid(org, scim):
    users = bulk_scim_users(org, 12)
    walk(scim, org, 5)
    response = scim.patch(
        f"/Users/{users[2].scim_id}",
        patch_op({"op": "replace", "path": "displayName", "value": "Renamed"}),
    )
    assert response.status_code == 200, response.content
    walk(scim, org, 5)


def test_starts_are_per_organization(org, other_org, scim, other_scim):
    bulk_scim_users(org, 15, prefix="a")
    bulk_scim_users(other_org, 15, prefix="b")
    mine = walk(scim, org, 4)
    theirs = walk(other_scim, other_org, 4)
    assert not set(mine) & set(theirs)
    assert walk(scim, org, 4) == mine


def test_sorted_and_filtered_lists_page_as_before(org, scim):
    bulk_scim_users(org, 9)
    walk(scim, org, 4)
    response = scim.get("/Users?startIndex=5&count=4&sortBy=displayName&sortOrder=descending")
    names = [r["displayName"] for r in response.json()["Resources"]]
    assert names == ["P 4", "P 3", "P 2", "P 1"]
    response = scim.get('/Users?startIndex=2&count=2&filter=displayName sw "P "')
    body = response.json()
    assert body["totalResults"] == 9
    assert [r["id"] for r in body["Resources"]] == offset_ids(org, 2, 2)


def test_past_the_end_and_empty_pages(org, scim):
    bulk_scim_users(org, 3)
    assert page_ids(scim, 4, 5) == ([], 3)
    assert page_ids(scim, 50, 5) == ([], 3)
    assert page_ids(scim, 2, 0) == ([], 3)


def test_an_unreachable_cache_only_slows_paging_down(org, scim, monkeypatch):
    """A cache outage (Redis down) must not fail a list: pages are walked to with OFFSET."""
    from cosmo_scim.scim import page_starts

    def unreachable(*args, **kwargs):
        raise ConnectionError("cache is down")

    bulk_scim_users(org, 12)
    monkeypatch.setattr(page_starts.cache, "get", unreachable)
    monkeypatch.setattr(page_starts.cache, "set_many", unreachable)
    assert walk(scim, org, 5) == offset_ids(org, 1, 100)
