"""Okta pushes memberships from parallel workers: concurrent PATCHes of one group, on the
real PostgreSQL."""

import pytest
from django.test import Client
from scimkit import RACES, ScimClient, okta_group, patch_op, race

from cosmo_project.organizations.models import Team
from cosmo_scim.models import RoleMapping, ScimUser

pytestmark = RACES


def test_concurrent_member_additions_lose_none(org, make_key):
    _, key = make_key(org)
    RoleMapping.objects.create(organization=org, value="Admins", role="admin")
    setup = ScimClient(Client(), key)
    people = [setup.create_user(f"p{i}@acme.com")["id"] for i in range(6)]
    group = setup.post("/Groups", okta_group("Admins")).json()
    path = f"/Groups/{group['id']}"

    def adder(person):
        op = {"op": "add", "path": "members", "value": [{"value": person}]}
        return lambda: ScimClient(Client(), key).patch(path, patch_op(op))

    responses = race([adder(person) for person in people])
    assert [r.status_code for r in responses] == [200] * len(people), [r.content for r in responses]
    final = setup.get(path).json()
    assert sorted(m["value"] for m in final["members"]) == sorted(people)
    assert final["meta"]["version"] == f'W/"{len(people) + 1}"'
    assert Team.objects.get().members.count() == len(people)
    roles = set(ScimUser.objects.values_list("membership__role", flat=True))
    assert roles == {"admin"}


def test_concurrent_add_and_remove_both_apply(org, make_key):
    _, key = make_key(org)
    setup = ScimClient(Client(), key)
    ann, bob = (setup.create_user(f"{n}@acme.com")["id"] for n in ("ann", "bob"))
    group = setup.post("/Groups", okta_group("Engineering", [ann])).json()
    path = f"/Groups/{group['id']}"
    responses = race(
        [
            lambda: ScimClient(Client(), key).patch(
                path, patch_op({"op": "add", "path": "members", "value": [{"value": bob}]})
            ),
            lambda: ScimClient(Client(), key).patch(
                path, patch_op({"op": "remove", "path": f'members[value eq "{ann}"]'})
            ),
        ]
    )
    assert [r.status_code for r in responses] == [200, 200]
    assert [m["value"] for m in setup.get(path).json()["members"]] == [bob]


@pytest.mark.parametrize("method", ["patch", "put"])
def test_group_if_match_is_decided_under_the_lock(org, make_key, method):
    """Two renames carrying the same If-Match version: one 200, one 412, and the group
    holds the winner's name (RFC 7644 §3.14)."""
    _, key = make_key(org)
    setup = ScimClient(Client(), key)
    for attempt in range(5):
        group = setup.post("/Groups", okta_group(f"Team {attempt}")).json()
        path, version = f"/Groups/{group['id']}", group["meta"]["version"]

        def rename(name):
            if method == "patch":
                body = patch_op({"op": "replace", "path": "displayName", "value": name})
            else:
                body = okta_group(name)
            client = ScimClient(Client(), key)
            return lambda: getattr(client, method)(path, body, **{"If-Match": version})

        responses = race([rename(f"Red {attempt}"), rename(f"Blue {attempt}")])
        assert sorted(r.status_code for r in responses) == [200, 412], [
            r.content for r in responses
        ]
        winner = next(r for r in responses if r.status_code == 200).json()
        assert setup.get(path).json()["displayName"] == winner["displayName"]
