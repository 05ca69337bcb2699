"""The per-organization user count behind an unfiltered list's totalResults.

The database keeps ScimUserCount through triggers, so the count must equal the rows through
every write path: SCIM POST and DELETE, a host deleting a membership, bulk inserts that send
no signals, an organization deleted, a rolled-back transaction. Run against SQLite and, in
the PostgreSQL pass, against its statement-level triggers.
"""

import pytest
from django.db import transaction
from scimkit import bulk_scim_users, okta_user

from cosmo_scim.models import ScimUser, ScimUserCount
from cosmo_scim.provisioning.user_count import user_count


def total_of(scim, **params):
    query = "&".join(f"{k}={v}" for k, v in {"count": 1, **params}.items())
    response = scim.get(f"/Users?{query}")
    assert response.status_code == 200, response.content
    return response.json()["totalResults"]


def rows(org):
    return ScimUser.objects.filter(organization=org).count()


def test_an_organization_without_users_counts_zero(org, scim):
    assert user_count(org).users == 0
    assert total_of(scim) == 0


def test_the_count_follows_scim_posts_and_deletes(org, scim):
    created = [scim.create_user(f"u{i}@acme.example") for i in range(3)]
    assert user_count(org).users == rows(org) == 3
    assert total_of(scim) == 3

    assert scim.delete(f"/Users/{created[0]['id']}").status_code == 204
    assert user_count(org).users == rows(org) == 2
    assert total_of(scim) == 2


def test_a_refused_post_changes_no_count(org, scim):
    scim.create_user("dup@acme.example")
    response = scim.post("/Users", okta_user("DUP@acme.example", externalId="other"))
    assert response.status_code == 409
    assert user_count(org).users == rows(org) == 1


def test_bulk_inserts_and_host_deletes_are_counted(org):
    """bulk_create sends no signals and a host deleting memberships never calls the
    service: the triggers count both."""
    users = bulk_scim_users(org, 25)
    assert user_count(org).users == 25
    users[0].membership.delete()  # cascades to the ScimUser
    type(users[1].membership).objects.filter(pk__in=[u.membership_id for u in users[2:6]]).delete()
    assert user_count(org).users == rows(org) == 20


def test_counts_are_per_organization(org, other_org, scim, other_scim):
    bulk_scim_users(org, 4, prefix="a")
    bulk_scim_users(other_org, 7, prefix="b")
    assert total_of(scim) == 4
    assert total_of(other_scim) == 7


def test_a_rolled_back_insert_is_not_counted(org):
    with pytest.raises(RuntimeError), transaction.atomic():
        bulk_scim_users(org, 3)
        raise RuntimeError
    assert user_count(org).users == rows(org) == 0


def test_deleting_the_organization_deletes_its_count(org, other_org):
    bulk_scim_users(org, 2, prefix="a")
    bulk_scim_users(other_org, 3, prefix="b")
    org.delete()
    assert not ScimUserCount.objects.filter(organization_id=org.pk).exists()
    assert user_count(other_org).users == 3


def test_filtered_lists_still_count_what_matches(org, scim):
    bulk_scim_users(org, 5)
    assert total_of(scim, filter='displayName sw "P "') == 5
    assert total_of(scim, filter='displayName eq "P 3"') == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("needs_postgres")
def test_concurrent_inserts_into_one_organization_do_not_wait_for_each_other(org):
    """The count is insert-only on PostgreSQL: while one transaction that provisioned a user
    into the organization is still open, another provisions into the same organization
    without waiting for it (before, the second waited on the count row until the first
    committed: 8 clients into one organization queued, 8 organizations did not)."""
    import threading

    from django.db import connection, connections

    opened, release = threading.Event(), threading.Event()
    outcome = {}

    def first():
        try:
            with transaction.atomic():
                bulk_scim_users(org, 1, prefix="first")
                opened.set()
                release.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=first)
    holder.start()
    try:
        assert opened.wait(10)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            try:
                bulk_scim_users(org, 1, prefix="second")
                outcome["second"] = "inserted"
            except Exception as exc:  # the lock timeout, reported below
                outcome["second"] = repr(exc)
    finally:
        release.set()
        holder.join()
    assert outcome["second"] == "inserted"
    assert user_count(org).users == rows(org) == 2


def test_a_read_folds_many_changes_into_the_count_row(org, scim):
    """Each inserting statement is one change; past FOLD_AFTER of them a read folds them
    in, so a read never adds up more than about that many rows."""
    from cosmo_scim.models import ScimUserCountDelta
    from cosmo_scim.provisioning import user_count as counting

    for i in range(counting.FOLD_AFTER + 5):
        bulk_scim_users(org, 1, prefix=f"u{i}-")
    total = counting.FOLD_AFTER + 5
    assert user_count(org).users == total
    assert ScimUserCountDelta.objects.filter(organization=org).count() <= 1
    assert total_of(scim) == total == rows(org)
