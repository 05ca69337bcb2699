"""One organization's IdP never sees, changes or counts another organization's members."""

import pytest
from scimkit import host, okta_user, patch_op

from cosmo_scim.models import ScimUser

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs(other_scim):
    """A member of Globex, provisioned by Globex's IdP."""
    return other_scim.create_user("bob@globex.com", given="Bob", family="Stone")


@pytest.fixture
def mine(scim):
    return scim.create_user("jane@acme.com")


def snapshot():
    return sorted(
        (s.scim_id, s.user_name, s.title, s.version, host.active(s.membership))
        for s in ScimUser.objects.select_related("membership")
    )


@pytest.mark.parametrize(
    "method, body",
    [
        ("get", None),
        ("put", okta_user("bob@globex.com", title="Hacked")),
        ("patch", patch_op({"op": "replace", "value": {"active": False}})),
        ("delete", None),
    ],
)
def test_another_organizations_id_is_404_and_untouched(scim, theirs, mine, method, body):
    before = snapshot()
    response = scim.request(method, f"/Users/{theirs['id']}", body)
    assert response.status_code == 404
    assert response.json()["status"] == "404"
    assert snapshot() == before


@pytest.mark.parametrize(
    "query",
    [
        'userName eq "bob@globex.com"',
        'userName eq "jane@acme.com" or userName eq "bob@globex.com"',
        'not (userName eq "jane@acme.com")',
        "userName pr",
        "title pr or not (title pr)",
        'emails.value eq "bob@globex.com" or emails pr',
        'id eq "{bob}" or id ne "{bob}"',
        'userName co "@" or externalId sw "00u"',
        'meta.created gt "2000-01-01T00:00:00Z"',
    ],
)
def test_filters_never_reach_another_tenant(scim, theirs, mine, query):
    query = query.replace("{bob}", theirs["id"])
    listed = scim.get(f"/Users?filter={query}").json()
    ids = {r["id"] for r in listed["Resources"]}
    assert theirs["id"] not in ids
    assert listed["totalResults"] == len(ids) <= 1
    searched = scim.post(
        "/Users/.search",
        {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": query},
    ).json()
    assert theirs["id"] not in {r["id"] for r in searched["Resources"]}
    assert searched["totalResults"] == listed["totalResults"]


def test_unfiltered_list_counts_only_own_members(scim, theirs, mine):
    listed = scim.get("/Users").json()
    assert listed["totalResults"] == 1
    assert [r["id"] for r in listed["Resources"]] == [mine["id"]]


def test_same_user_name_in_two_organizations_is_two_memberships(
    scim, other_scim, theirs, other_org
):
    # Bob also joins Acme: Acme's IdP gets its own resource for him; Globex's is untouched.
    ours = scim.create_user("bob@globex.com", given="Robert", family="Stone", title="Advisor")
    assert ours["id"] != theirs["id"]
    memberships = host.memberships(person__email="bob@globex.com")
    assert memberships.count() == 2
    # Acme did not create Bob's account: its membership awaits his consent (the invitation)
    # and grants nothing until then, while Acme's IdP sees the user it assigned as active.
    assert {host.slug(host.organization(m)): host.active(m) for m in memberships} == {
        "globex": True,
        "acme": False,
    }
    assert ours["active"] is True
    globex_view = other_scim.get(f"/Users/{theirs['id']}").json()
    assert globex_view["name"]["givenName"] == "Bob" and "title" not in globex_view
    # Deactivating him in Acme leaves his Globex membership active.
    scim.patch(f"/Users/{ours['id']}", patch_op({"op": "replace", "value": {"active": False}}))
    assert host.active(host.membership(person__email="bob@globex.com", organization=other_org))
    assert other_scim.get(f"/Users/{theirs['id']}").json()["active"] is True
    # Deleting him from Acme leaves Globex's resource alone.
    assert scim.delete(f"/Users/{ours['id']}").status_code == 204
    assert other_scim.get(f"/Users/{theirs['id']}").status_code == 200


def test_user_name_uniqueness_is_per_organization(scim, other_scim):
    scim.create_user("shared@example.com")
    response = other_scim.post("/Users", okta_user("shared@example.com"))
    assert response.status_code == 201
