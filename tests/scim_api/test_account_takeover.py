"""An IdP may only rewrite the login of people no other organization actively holds."""

import pytest
from scimkit import okta_user, patch_op

from cosmo_project.organizations.models import Membership

pytestmark = pytest.mark.django_db


def test_idp_cannot_change_login_of_a_member_of_another_organization(scim, other_scim, make_user):
    # Bob works at Globex and logs in as bob@globex.com.
    bob = make_user("bob@globex.com", password="bob-secret-pass", first_name="Bob")
    other_scim.create_user("bob@globex.com", given="Bob", family="Stone")
    # Acme's IdP provisions him too, then tries to move his email to an address it controls.
    ours = scim.create_user("bob@globex.com", given="Bob", family="Stone")
    response = scim.patch(
        f"/Users/{ours['id']}",
        patch_op(
            {"op": "replace", "path": 'emails[type eq "work"].value', "value": "evil@acme.com"},
            {"op": "replace", "path": "name.givenName", "value": "Mallory"},
        ),
    )
    assert response.status_code == 200
    # Acme's view of its membership changed …
    assert response.json()["emails"][0]["value"] == "evil@acme.com"
    # … but Bob's account — how he logs in everywhere — did not.
    bob.refresh_from_db()
    assert (bob.email, bob.first_name) == ("bob@globex.com", "Bob")
    assert bob.check_password("bob-secret-pass")


def test_projection_resumes_when_the_person_has_no_other_active_membership(
    scim, other_scim, make_user
):
    other = other_scim.create_user("bob@globex.com")
    ours = scim.create_user("bob@globex.com")
    other_scim.patch(
        f"/Users/{other['id']}", patch_op({"op": "replace", "value": {"active": False}})
    )
    scim.patch(
        f"/Users/{ours['id']}",
        patch_op({"op": "replace", "path": "name.familyName", "value": "Stone-Smith"}),
    )
    bob = Membership.objects.get(organization__slug="acme").user
    assert bob.last_name == "Stone-Smith"


def test_email_change_to_another_accounts_address_is_refused(scim, make_user):
    make_user("ceo@acme.com")
    created = scim.create_user("jane@acme.com")
    response = scim.patch(
        f"/Users/{created['id']}",
        patch_op(
            {"op": "replace", "path": 'emails[type eq "work"].value', "value": "ceo@acme.com"}
        ),
    )
    assert response.status_code == 409 and response.json()["scimType"] == "uniqueness"
    assert scim.get(f"/Users/{created['id']}").json()["emails"][0]["value"] == "jane@acme.com"


def test_provisioning_an_existing_person_never_touches_their_other_membership(
    scim, other_org, make_member
):
    existing = make_member(other_org, role="admin")
    scim.post("/Users", okta_user(existing.user.email))
    existing.refresh_from_db()
    assert existing.is_active and existing.role == "admin"
    assert Membership.objects.filter(user=existing.user).count() == 2
