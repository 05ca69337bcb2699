"""Issue 20, reproduction 5, written as the attacks: Cosmo's members API
(``/api/v1/members/``) and organization dashboard show nothing of another organization.

Globex's IdP made Bob's account (Robert Globex). Acme's IdP — the attacker here — provisions
Bob's address: the membership awaits Bob's consent. Before, Acme's members API hid it but
listed a member whose account was new (so the list told whether the address had an account
elsewhere), the dashboard showed it "Deactivated" with the account's real names, and once
Acme deactivated it the members API listed it with them. Now a membership shows once its
person has taken it up, whichever kind it was, and a provisioned member reads as the
organization's own SCIM profile describes them, never as another organization set the
account.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse
from scimkit import deactivate_patch, okta_user, patch_op

from cosmo_scim.models import Invitation, ScimUser
from cosmo_scim.provisioning import acceptance, lifecycle

pytestmark = pytest.mark.django_db(transaction=True)

BOB = "bob@globex.example"
NOVA = "nova@acme.example"  # an address no account has
ELSEWHERE = ("Robert", "Globex")  # what Globex's IdP set on Bob's account


@pytest.fixture
def bob(other_scim):
    return other_scim.create_user(BOB, given=ELSEWHERE[0], family=ELSEWHERE[1])


@pytest.fixture
def members_api(org, make_key):
    _, key = make_key(org, scim=False, name="Reporting")

    def rows():
        response = Client().get(reverse("api-members"), HTTP_AUTHORIZATION=f"Bearer {key}")
        assert response.status_code == 200
        return response.json()["results"]

    return rows


@pytest.fixture
def dashboard(org, make_member):
    viewer = make_member(org, role="viewer", email="vera@acme.example", first_name="Vera")
    browser = Client()
    browser.force_login(viewer.user)

    def page():
        response = browser.get(reverse("org-dashboard", args=[org.slug]))
        assert response.status_code == 200
        # Without the CSRF token of its logout form, which differs on every response.
        return re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", response.content.decode())

    return page


def accept(scim_id):
    membership = ScimUser.objects.get(scim_id=scim_id).membership
    invitation = Invitation.objects.get(membership=membership, status="pending")
    assert acceptance.accept_invitation(invitation) is None


def shows_nothing_of(text, *values):
    return not any(value in text for value in values)


def test_an_existing_account_and_a_new_one_read_alike(scim, bob, members_api, dashboard):
    """Provisioned and not yet taken up: the attached account (awaiting consent) and the new
    one (awaiting its invitation) are both absent, so neither view tells which existed."""
    before_api, before_page = members_api(), dashboard()
    attached = scim.post("/Users", okta_user(BOB, given="Bob", family="Acme"))
    new = scim.post("/Users", okta_user(NOVA, given="Nova", family="Acme"))
    assert attached.status_code == new.status_code == 201
    assert members_api() == before_api
    page = dashboard()
    assert page == before_page
    assert shows_nothing_of(page, BOB, NOVA, *ELSEWHERE, "Deactivated")


def test_deactivating_an_attached_account_reveals_nothing(scim, bob, members_api, dashboard):
    """Reproduction 5's last step: once Acme deactivated the membership it had attached, the
    members API listed it with the names Globex's IdP gave the account."""
    ours = scim.post("/Users", okta_user(BOB, given="Bob", family="Acme")).json()
    assert scim.patch(f"/Users/{ours['id']}", deactivate_patch()).status_code == 200
    rows = members_api()
    assert [row["email"] for row in rows] == ["vera@acme.example"]
    assert shows_nothing_of(str(rows), BOB, *ELSEWHERE)
    assert shows_nothing_of(dashboard(), BOB, *ELSEWHERE)


def test_a_member_reads_as_the_organizations_own_profile(scim, bob, members_api, dashboard):
    """Bob accepts Acme's invitation: Acme sees him as its IdP describes him — its names,
    its address for him — never the account's names, which Globex's IdP set, whatever
    Globex does next."""
    ours = scim.post("/Users", okta_user(BOB, given="Bob", family="Acme")).json()
    accept(ours["id"])
    moved = patch_op(
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "b@acme.example"}
    )
    assert scim.patch(f"/Users/{ours['id']}", moved).status_code == 200

    def acmes_view():
        [row] = [row for row in members_api() if row["email"] != "vera@acme.example"]
        assert (row["email"], row["first_name"], row["last_name"]) == (
            "b@acme.example",
            "Bob",
            "Acme",
        )
        assert row["is_active"] is True
        page = dashboard()
        assert "Bob Acme" in page and "b@acme.example" in page
        assert shows_nothing_of(page, BOB, *ELSEWHERE)

    acmes_view()
    assert ScimUser.objects.get(scim_id=bob["id"]).membership.user.first_name == "Robert"
    # Globex deactivates and then removes its membership: Acme's view does not change.
    other = ScimUser.objects.get(scim_id=bob["id"])
    lifecycle.deactivate_membership(other.membership, lifecycle.Actor(via="test"), "left")
    acmes_view()


def test_a_member_added_by_hand_reads_as_their_account(members_api, dashboard):
    """No IdP describes them: their account is the organization's only view of them."""
    rows = members_api()
    assert [(row["email"], row["first_name"]) for row in rows] == [("vera@acme.example", "Vera")]
    assert "Vera" in dashboard()
