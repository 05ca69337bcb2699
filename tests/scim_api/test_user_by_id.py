"""GET /Users/{id} runs the user read compiled once per database (scim/user_by_id.py): it
must give exactly what the list's read gives for the same user, in every state, and
nothing of another organization."""

from urllib.parse import urlencode

import pytest
from scimkit import ScimClient, deactivate_patch, okta_group

from cosmo_scim.models import ScimUser
from cosmo_scim.scim.user_adapter import user_queryset, user_rows
from cosmo_scim.scim.user_by_id import read_user

pytestmark = pytest.mark.django_db

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@pytest.fixture
def users(scim):
    full = scim.create_user(
        "full@acme.example",
        given="Ada",
        title="Engineer",
        schemas=["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        **{ENTERPRISE: {"department": "R&D", "employeeNumber": "7"}},
    )
    grouped = scim.create_user("grouped@acme.example")
    for name in ("Ops", "Support"):
        created = scim.post("/Groups", okta_group(name, members=[grouped["id"]]))
        assert created.status_code == 201, created.content
    leaver = scim.create_user("leaver@acme.example")
    assert scim.patch(f"/Users/{leaver['id']}", deactivate_patch()).status_code == 200
    pending = scim.create_user("pending@acme.example")
    assert scim.patch(f"/Users/{pending['id']}", deactivate_patch()).status_code == 200
    # An inactive membership that awaits the person's consent reads as active (user_reads).
    ScimUser.objects.filter(scim_id=pending["id"]).update(consent_pending=True)
    return [full, grouped, leaver, pending]


def test_every_state_reads_as_the_list_reads_it(org, users):
    listed = {row.scim_id: row.__dict__ for row in user_rows(user_queryset(org))}
    assert len(listed) == len(users)
    for user in users:
        assert read_user(org, user["id"]).__dict__ == listed[user["id"]]
    states = {listed[user["id"]]["active"] for user in users}
    assert states == {True, False}
    assert [len(listed[users[1]["id"]][name]) for name in ("email_rows", "group_rows")] == [1, 2]


def test_get_by_id_is_the_resource_the_list_returns(scim, users):
    for user in users:
        got = scim.get(f"/Users/{user['id']}")
        assert got.status_code == 200, got.content
        query = urlencode({"filter": f'id eq "{user["id"]}"'})
        listed = scim.get(f"/Users?{query}").json()["Resources"]
        assert listed == [got.json()]


def test_another_organizations_user_is_not_found(scim, users, other_org, make_key, client):
    _, key = make_key(other_org)
    other = ScimClient(client, key)
    theirs = other.create_user("theirs@beta.example")
    assert read_user(other_org, users[0]["id"]) is None
    assert other.get(f"/Users/{users[0]['id']}").status_code == 404
    assert scim.get(f"/Users/{theirs['id']}").status_code == 404
    assert scim.get("/Users/no-such-id").status_code == 404
