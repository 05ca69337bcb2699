"""Races an IdP really causes (Okta retries, parallel workers), on the real PostgreSQL."""

import pytest
from django.test import Client
from scimkit import RACES, ScimClient, okta_user, patch_op, race

from cosmo_scim.models import ScimUser

pytestmark = RACES


def test_simultaneous_posts_of_one_user_name_give_one_201_and_one_409(org, make_key):
    _, key = make_key(org)
    for attempt in range(5):
        user_name = f"race{attempt}@acme.com"
        responses = race(
            [lambda u=user_name: ScimClient(Client(), key).post("/Users", okta_user(u))] * 2
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201, 409], [r.content for r in responses]
        conflict = next(r for r in responses if r.status_code == 409).json()
        assert conflict["scimType"] == "uniqueness"
        assert ScimUser.objects.filter(user_name=user_name).count() == 1


def test_concurrent_patches_of_one_user_lose_no_update(org, make_key):
    _, key = make_key(org)
    created = ScimClient(Client(), key).create_user("jane@acme.com")
    path = f"/Users/{created['id']}"
    responses = race(
        [
            lambda: ScimClient(Client(), key).patch(
                path, patch_op({"op": "replace", "path": "title", "value": "Engineer"})
            ),
            lambda: ScimClient(Client(), key).patch(
                path, patch_op({"op": "replace", "path": "name.familyName", "value": "Smith"})
            ),
        ]
    )
    assert [r.status_code for r in responses] == [200, 200]
    final = ScimClient(Client(), key).get(path).json()
    assert final["meta"]["version"] == 'W/"3"'
    # Each PATCH is applied to the row as it is under the lock, so neither change is lost.
    assert final["title"] == "Engineer" and final["name"]["familyName"] == "Smith"


def test_entras_parallel_value_path_patches_lose_no_element(org, make_key):
    """Entra sends one attribute per operation and may send them in parallel: each phone
    number and address part lands in the same JSON arrays, and none is lost."""
    _, key = make_key(org)
    created = ScimClient(Client(), key).create_user("jane@acme.com")
    path = f"/Users/{created['id']}"
    values = {
        'phoneNumbers[type eq "work"].value': "+1 425 555 0100",
        'phoneNumbers[type eq "mobile"].value': "+1 425 555 0101",
        'addresses[type eq "work"].locality': "Redmond",
        'addresses[type eq "work"].postalCode': "98052",
    }
    responses = race(
        [
            lambda p=p, v=v: ScimClient(Client(), key).patch(
                path, patch_op({"op": "Add", "path": p, "value": v})
            )
            for p, v in values.items()
        ]
    )
    assert [r.status_code for r in responses] == [200] * 4
    final = ScimClient(Client(), key).get(path).json()
    assert sorted((p["type"], p["value"]) for p in final["phoneNumbers"]) == [
        ("mobile", "+1 425 555 0101"),
        ("work", "+1 425 555 0100"),
    ]
    assert final["addresses"] == [{"locality": "Redmond", "postalCode": "98052", "type": "work"}]
    assert final["meta"]["version"] == 'W/"5"'


@pytest.mark.parametrize("method", ["patch", "put"])
def test_if_match_is_decided_under_the_lock(org, make_key, method):
    """Two writes carrying the same If-Match version: only the first to hold the row may
    apply; the second sees the version the first wrote and gets 412, nothing changed
    (RFC 7644 §3.14). Checked before the lock, both would pass and one change be lost."""
    _, key = make_key(org)
    for attempt in range(5):
        created = ScimClient(Client(), key).create_user(f"etag{attempt}@acme.com")
        path, version = f"/Users/{created['id']}", created["meta"]["version"]

        def write(title, user_name=created["userName"]):
            client = ScimClient(Client(), key)
            if method == "patch":
                body = patch_op({"op": "replace", "path": "title", "value": title})
            else:
                body = okta_user(user_name, title=title)
            return getattr(client, method)(path, body, **{"If-Match": version})

        responses = race([lambda: write("First"), lambda: write("Second")])
        assert sorted(r.status_code for r in responses) == [200, 412], [
            r.content for r in responses
        ]
        winner = next(r for r in responses if r.status_code == 200).json()
        final = ScimClient(Client(), key).get(path).json()
        assert final["title"] == winner["title"]
        assert final["meta"]["version"] == winner["meta"]["version"]


def test_concurrent_provisioning_keeps_the_user_count_exact(org, make_key):
    """The count triggers take the organization's count row lock in each provisioning
    transaction: eight simultaneous POSTs (the first ones creating the row) and then eight
    simultaneous DELETEs leave it equal to the rows."""
    from cosmo_scim.provisioning.user_count import user_count

    _, key = make_key(org)
    responses = race(
        [
            lambda i=i: ScimClient(Client(), key).post("/Users", okta_user(f"n{i}@acme.com"))
            for i in range(8)
        ]
    )
    assert [r.status_code for r in responses] == [201] * 8
    assert user_count(org).users == ScimUser.objects.filter(organization=org).count() == 8
    ids = [r.json()["id"] for r in responses]
    responses = race([lambda i=i: ScimClient(Client(), key).delete(f"/Users/{i}") for i in ids])
    assert [r.status_code for r in responses] == [204] * 8
    assert user_count(org).users == ScimUser.objects.filter(organization=org).count() == 0
