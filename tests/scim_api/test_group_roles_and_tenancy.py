"""Groups drive roles and stay inside their organization; each change is announced."""

import pytest
from scimkit import host, okta_group, patch_op

from cosmo_scim import signals
from cosmo_scim.host_fields import membership_field
from cosmo_scim.models import RoleMapping, ScimUser

pytestmark = pytest.mark.django_db
# The host's roles, most privileged first (Cosmo's admin, developer, viewer).
ADMIN, DEVELOPER, VIEWER = host.roles()


def role_of(scim_id):
    return host.role(host.membership_of(scim_id))


@pytest.fixture
def ann(scim):
    return scim.create_user("ann@acme.com")["id"]


@pytest.fixture
def mapped(org):
    def make(value, role, match=RoleMapping.Match.DISPLAY_NAME):
        return RoleMapping.objects.create(organization=org, match=match, value=value, role=role)

    return make


def add(scim, group_id, *user_ids):
    value = [{"value": user_id} for user_id in user_ids]
    response = scim.patch(
        f"/Groups/{group_id}", patch_op({"op": "add", "path": "members", "value": value})
    )
    assert response.status_code == 200, response.content


def remove(scim, group_id, user_id):
    response = scim.patch(
        f"/Groups/{group_id}",
        patch_op({"op": "remove", "path": f'members[value eq "{user_id}"]'}),
    )
    assert response.status_code == 200, response.content


# --- roles ----------------------------------------------------------------------------------


def test_joining_the_admins_group_makes_an_admin_and_leaving_falls_back(scim, ann, mapped):
    mapped("cosmo admins", ADMIN)
    admins = scim.post("/Groups", okta_group("Cosmo Admins")).json()
    assert role_of(ann) == VIEWER
    add(scim, admins["id"], ann)
    assert role_of(ann) == ADMIN
    remove(scim, admins["id"], ann)
    assert role_of(ann) == VIEWER


def test_the_highest_mapped_role_wins(scim, ann, mapped):
    mapped("Admins", ADMIN)
    mapped("00g-dev", DEVELOPER, match=RoleMapping.Match.EXTERNAL_ID)
    devs = scim.post("/Groups", okta_group("Developers", [ann], externalId="00g-dev")).json()
    assert role_of(ann) == DEVELOPER
    admins = scim.post("/Groups", okta_group("Admins", [ann])).json()
    assert role_of(ann) == ADMIN
    assert scim.delete(f"/Groups/{admins['id']}").status_code == 204
    assert role_of(ann) == DEVELOPER
    remove(scim, devs["id"], ann)
    assert role_of(ann) == VIEWER


def test_renaming_a_group_onto_a_mapping_re_ranks_its_members(scim, ann, mapped):
    mapped("Admins", ADMIN)
    group = scim.post("/Groups", okta_group("Staff", [ann])).json()
    assert role_of(ann) == VIEWER
    scim.patch(
        f"/Groups/{group['id']}",
        patch_op({"op": "replace", "value": {"id": group["id"], "displayName": "admins"}}),
    )
    assert role_of(ann) == ADMIN


def test_a_mapping_matches_a_non_ascii_name_as_the_database_compares_names(scim, ann, mapped):
    """The mapping is matched where the group names' unique index compares them, in the
    database, on both sides: SQLite's LOWER keeps "É", so a mapping folded by Python
    ("équipe …") found no group there."""
    mapped("Équipe admins", ADMIN)
    scim.post("/Groups", okta_group("ÉQUIPE ADMINS", [ann]))
    assert role_of(ann) == ADMIN


def test_external_id_mappings_match_exactly(scim, ann, mapped):
    mapped("00g-ADM", ADMIN, match=RoleMapping.Match.EXTERNAL_ID)
    scim.post("/Groups", okta_group("A", [ann], externalId="00g-adm"))
    assert role_of(ann) == VIEWER


def test_a_manual_role_edit_is_overwritten_at_the_next_sync(scim, ann, mapped):
    mapped("Developers", DEVELOPER)
    group = scim.post("/Groups", okta_group("Developers", [ann])).json()
    host.memberships(scim_user__scim_id=ann).update(**{membership_field("role"): ADMIN})
    bob = scim.create_user("bob@acme.com")["id"]
    add(scim, group["id"], bob)
    assert role_of(bob) == DEVELOPER
    assert role_of(ann) == ADMIN  # untouched: only the members the change affects
    scim.put(f"/Groups/{group['id']}", okta_group("Developers", [bob]))
    assert role_of(ann) == VIEWER


def test_a_failed_patch_leaves_roles_alone(scim, ann, mapped):
    mapped("Admins", ADMIN)
    group = scim.post("/Groups", okta_group("Admins")).json()
    response = scim.patch(
        f"/Groups/{group['id']}",
        patch_op({"op": "add", "path": "members", "value": [{"value": ann}, {"value": "ghost"}]}),
    )
    assert response.status_code == 400
    assert role_of(ann) == VIEWER


def test_role_mapping_admin_warns_and_re_ranks_on_save(admin_client, scim, org, ann):
    scim.post("/Groups", okta_group("Admins", [ann]))
    page = admin_client.get("/admin/cosmo_scim/rolemapping/add/")
    assert page.status_code == 200
    assert b"overwritten" in page.content
    response = admin_client.post(
        "/admin/cosmo_scim/rolemapping/add/",
        {"organization": org.pk, "match": "displayName", "value": "admins", "role": ADMIN},
    )
    assert response.status_code == 302, response.content
    assert role_of(ann) == ADMIN
    mapping = RoleMapping.objects.get()
    response = admin_client.post(
        f"/admin/cosmo_scim/rolemapping/{mapping.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert role_of(ann) == VIEWER


@pytest.mark.cosmo_only  # the help text of Cosmo's membership role field
def test_membership_admin_says_scim_roles_are_overwritten(admin_client, org, make_member):
    member = make_member(org)
    page = admin_client.get(f"/admin/organizations/membership/{member.pk}/change/")
    assert b"overwritten at the next group sync" in page.content


# --- tenant isolation -----------------------------------------------------------------------


def test_another_organizations_group_is_404_everywhere(scim, other_scim, ann):
    theirs = other_scim.post("/Groups", okta_group("Globex Team")).json()
    path = f"/Groups/{theirs['id']}"
    assert scim.get(path).status_code == 404
    assert scim.put(path, okta_group("Mine")).status_code == 404
    op = patch_op({"op": "add", "path": "members", "value": [{"value": ann}]})
    assert scim.patch(path, op).status_code == 404
    assert scim.delete(path).status_code == 404
    assert scim.get("/Groups").json()["totalResults"] == 0
    assert scim.get(f'/Groups?filter=id eq "{theirs["id"]}"').json()["totalResults"] == 0
    assert other_scim.get(path).json()["members"] == []


def test_another_organizations_user_cannot_be_added(scim, other_scim):
    mine = scim.post("/Groups", okta_group("Engineering")).json()
    foreign = other_scim.create_user("eve@globex.com")["id"]
    response = scim.patch(
        f"/Groups/{mine['id']}",
        patch_op({"op": "add", "path": "members", "value": [{"value": foreign}]}),
    )
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"
    assert scim.get(f"/Groups/{mine['id']}").json()["members"] == []
    response = scim.post("/Groups", okta_group("Other", [foreign]))
    assert response.status_code == 400


def test_member_filter_does_not_reach_other_tenants(scim, other_scim):
    eve = other_scim.create_user("eve@globex.com")["id"]
    other_scim.post("/Groups", okta_group("Globex Team", [eve]))
    found = scim.get(f'/Groups?filter=members.value eq "{eve}" or displayName pr').json()
    assert found["totalResults"] == 0


def test_another_organizations_mapping_does_not_apply(scim, other_org, ann):
    RoleMapping.objects.create(organization=other_org, value="Admins", role=ADMIN)
    scim.post("/Groups", okta_group("Admins", [ann]))
    assert role_of(ann) == VIEWER


# --- signals --------------------------------------------------------------------------------


def test_group_changes_send_signals(scim, ann):
    received = []

    def record(signal):
        def receiver(sender, **kwargs):
            received.append((signal, kwargs))

        return receiver

    names = ("group_created", "group_updated", "group_deleted", "group_members_changed")
    receivers = {name: record(name) for name in names}
    for name, receiver in receivers.items():
        getattr(signals, name).connect(receiver)
    try:
        group = scim.post("/Groups", okta_group("Engineering", [ann])).json()
        scim.patch(
            f"/Groups/{group['id']}",
            patch_op(
                {"op": "replace", "path": "displayName", "value": "Platform"},
                {"op": "remove", "path": "members"},
            ),
        )
        scim.delete(f"/Groups/{group['id']}")
    finally:
        for name, receiver in receivers.items():
            getattr(signals, name).disconnect(receiver)
    membership_pk = ScimUser.objects.get(scim_id=ann).membership_id
    assert [name for name, _ in received] == [
        "group_created",
        "group_members_changed",
        "group_updated",
        "group_members_changed",
        "group_deleted",
    ]
    assert received[1][1]["added"] == [membership_pk]
    assert received[2][1]["changes"] == {"display_name": ("Engineering", "Platform")}
    assert received[3][1]["removed"] == [membership_pk]
    assert all(kwargs["actor"].api_key.name == "Okta" for _, kwargs in received)
    assert all(kwargs["group"].scim_id == group["id"] for _, kwargs in received)


def test_group_changes_write_audit_events(scim, org, ann):
    from cosmo_scim.models import AuditEvent

    group = scim.post("/Groups", okta_group("Engineering", [ann], externalId="00g")).json()
    scim.patch(
        f"/Groups/{group['id']}",
        patch_op(
            {"op": "replace", "path": "displayName", "value": "Platform"},
            {"op": "remove", "path": "members"},
        ),
    )
    scim.delete(f"/Groups/{group['id']}")
    events = list(
        AuditEvent.objects.filter(scim_id=group["id"])
        .order_by("id")
        .values_list("action", "changes", "api_key_name")
    )
    assert events == [
        (
            "group_created",
            {
                "group": "Engineering",
                "display_name": [None, "Engineering"],
                "external_id": [None, "00g"],
            },
            "Okta",
        ),
        (
            "group_members_changed",
            {"group": "Engineering", "members": {"added": [ann], "removed": []}},
            "Okta",
        ),
        (
            "group_updated",
            {"group": "Platform", "display_name": ["Engineering", "Platform"]},
            "Okta",
        ),
        (
            "group_members_changed",
            {"group": "Platform", "members": {"added": [], "removed": [ann]}},
            "Okta",
        ),
        ("group_deleted", {"group": "Platform"}, "Okta"),
    ]
    assert all(e.organization_id == org.pk for e in AuditEvent.objects.filter(scim_id=group["id"]))
