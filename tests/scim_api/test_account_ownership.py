"""Accounts belong to whoever owns them (cosmo_scim/provisioning/ownership.py), written as
the attacks.

A person has one account shared by every organization they belong to. An organization's
IdP may change it only while that organization created it and is the person's only one; an
account it did not create joins only when the person accepts; a deactivation ends access to
that organization, not the person's sessions elsewhere; and no SCIM response tells one
organization whether an address exists outside it.
"""

import re

import pytest
from django.core import mail
from django.test import Client
from scimkit import accept_link, host, okta_user, patch_op

from cosmo_scim.models import AccountOwner, AuditEvent, Invitation, ScimUser
from cosmo_scim.provisioning.ownership import ACCOUNT_RULE

# Real commits: invitations are sent on commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

DEACTIVATE = patch_op({"op": "replace", "value": {"active": False}})
REACTIVATE = patch_op({"op": "replace", "path": "active", "value": True})


def set_email(address):
    return patch_op(
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": address},
    )


def membership(slug, email):
    return host.membership(organization__slug=slug, person__email=email)


def page(organization):
    """The organization's page in the product, for its active members only."""
    return host.landing_url(host.memberships(organization=organization).first())


def recipients():
    return [address for message in mail.outbox for address in message.to]


def accept(link, password):
    """Accept an invitation as its person, with the account's password."""
    path = re.sub(r"^https?://[^/]+", "", link)
    browser = Client()
    browser.get(path)  # the link puts its token in the session
    response = browser.post("/invitations/accept/", {"password": password})
    assert response.status_code == 302, response.content
    return browser


# -- reproduction 2: cross-tenant takeover through a shared account --------------------------


def test_attacker_cannot_move_another_organizations_account_to_its_address(scim, other_scim):
    """Globex provisions Carol (never accepted), then deactivates her. Acme attaches the
    same account, moves her email to its own address, deactivates and reactivates her: the
    re-invitation used to go to the attacker, who then set the password and was inside
    Globex when Globex reactivated Carol."""
    carol = other_scim.create_user("carol@globex.example")
    assert other_scim.patch(f"/Users/{carol['id']}", DEACTIVATE).status_code == 200
    ours = scim.create_user("carol@globex.example")
    moved = scim.patch(f"/Users/{ours['id']}", set_email("attacker@evil.example"))
    assert moved.status_code == 200
    assert moved.json()["emails"][0]["value"] == "attacker@evil.example"  # Acme's profile
    assert scim.patch(f"/Users/{ours['id']}", DEACTIVATE).status_code == 200
    assert scim.patch(f"/Users/{ours['id']}", REACTIVATE).status_code == 200
    assert other_scim.patch(f"/Users/{carol['id']}", REACTIVATE).status_code == 200

    account = host.person(membership("globex", "carol@globex.example"))
    assert account.email == "carol@globex.example"
    assert "attacker@evil.example" not in recipients()
    assert set(recipients()) == {"carol@globex.example"}
    # Acme's audit trail says why the account was left alone.
    updated = AuditEvent.objects.get(
        organization=host.organization_by_slug("acme"), action="updated"
    )
    assert updated.reason == ACCOUNT_RULE


def test_idp_cannot_change_login_of_a_member_of_another_organization(scim, other_scim, make_user):
    bob = make_user("bob@globex.com", password="bob-secret-pass", given_name="Bob")
    other_scim.create_user("bob@globex.com", given="Bob", family="Stone")
    ours = scim.create_user("bob@globex.com", given="Bob", family="Stone")
    response = scim.patch(
        f"/Users/{ours['id']}",
        patch_op(
            {"op": "replace", "path": 'emails[type eq "work"].value', "value": "evil@acme.com"},
            {"op": "replace", "path": "name.givenName", "value": "Mallory"},
        ),
    )
    assert response.status_code == 200
    assert response.json()["emails"][0]["value"] == "evil@acme.com"
    bob.refresh_from_db()
    assert (bob.email, host.given_name(bob)) == ("bob@globex.com", "Bob")
    assert bob.check_password("bob-secret-pass")


def test_no_idp_changes_an_account_it_did_not_create_even_when_alone(scim, other_scim):
    """Used to be allowed once the other organization had deactivated the person: any
    membership there, active or not, means the account is shared."""
    other = other_scim.create_user("bob@globex.com")
    ours = scim.create_user("bob@globex.com")
    other_scim.patch(f"/Users/{other['id']}", DEACTIVATE)
    scim.patch(
        f"/Users/{ours['id']}",
        patch_op({"op": "replace", "path": "name.familyName", "value": "Stone-Smith"}),
    )
    assert host.family_name(host.person(membership("acme", "bob@globex.com"))) == "Doe"


def test_the_creating_organization_keeps_its_account_in_step_while_alone(
    scim, other_scim, org, other_org
):
    created = scim.create_user("jane@acme.example")
    assert AccountOwner.objects.get(user__email="jane@acme.example").organization == org
    scim.patch(f"/Users/{created['id']}", set_email("jane.doe@acme.example"))
    jane = host.person(membership("acme", "jane.doe@acme.example"))
    assert jane.email == "jane.doe@acme.example"
    # Once Globex has her too, the account is shared: Acme changes only its profile.
    other_scim.create_user("jane.doe@acme.example")
    scim.patch(f"/Users/{created['id']}", set_email("jane@elsewhere.example"))
    jane.refresh_from_db()
    assert jane.email == "jane.doe@acme.example"
    assert host.memberships(person=jane).count() == 2


def test_provisioning_again_after_delete_keeps_ownership(scim, org):
    created = scim.create_user("jane@acme.example")
    assert scim.delete(f"/Users/{created['id']}").status_code == 204
    again = scim.create_user("jane@acme.example", given="Janet")
    jane = membership("acme", "jane@acme.example")
    assert host.active(jane) and not ScimUser.objects.get(scim_id=again["id"]).consent_pending
    assert host.given_name(host.person(jane)) == "Janet"


def test_a_member_added_by_hand_is_adopted_but_their_account_is_not_rewritten(
    scim, org, make_member
):
    existing = make_member(org, email="jane@acme.example", given_name="Jane", is_active=False)
    response = scim.post("/Users", okta_user("jane@acme.example", given="Janet"))
    assert response.status_code == 201
    existing.refresh_from_db()
    assert host.active(existing) and existing.scim_user.accepted_at is not None
    assert host.given_name(host.person(existing)) == "Jane"


# -- reproduction 4: attaching needs consent; deactivation ends access here only ------------


def test_attaching_an_existing_account_grants_nothing_until_the_person_accepts(
    scim, org, other_org, make_member
):
    bob = host.person(
        make_member(other_org, email="bob@globex.example", password="bob-passphrase-77")
    )
    created = scim.post("/Users", okta_user("bob@globex.example"))
    assert created.status_code == 201 and created.json()["active"] is True
    assert scim.get(f"/Users/{created.json()['id']}").json()["active"] is True
    listed = scim.get('/Users?filter=active eq true and userName eq "bob@globex.example"')
    assert listed.json()["totalResults"] == 1
    attached = membership("acme", bob.email)
    assert host.active(attached) is False  # pending: grants nothing yet
    browser = Client()
    browser.force_login(bob)
    assert browser.get(page(org)).status_code == 403

    [invitation] = mail.outbox
    assert invitation.to == [bob.email]
    accepted = accept(accept_link(invitation), "bob-passphrase-77")
    assert accepted.get(page(org)).status_code == 200
    attached.refresh_from_db()
    assert host.active(attached)
    assert not ScimUser.objects.get(membership=attached).consent_pending
    event = AuditEvent.objects.get(
        organization=host.organization_by_slug("acme"), action="accepted"
    )
    assert event.changes == {"active": [False, True]}
    assert event.actor_name == "bob@globex.example (accepted the invitation)"


def test_deactivating_an_attached_account_does_not_log_the_person_out_elsewhere(
    scim, other_org, make_member
):
    bob = host.person(make_member(other_org, email="bob@globex.example"))
    at_globex = Client()
    at_globex.force_login(bob)
    assert at_globex.get(page(other_org)).status_code == 200
    created = scim.create_user("bob@globex.example")
    for _ in range(3):  # repeatable: it must never keep Bob logged out of Globex
        assert scim.patch(f"/Users/{created['id']}", DEACTIVATE).status_code == 200
        assert at_globex.get(page(other_org)).status_code == 200
        assert scim.patch(f"/Users/{created['id']}", REACTIVATE).status_code == 200
    assert host.active(membership("acme", bob.email)) is False  # still awaiting consent
    statuses = set(
        Invitation.objects.filter(organization=host.organization_by_slug("acme")).values_list(
            "status"
        )
    )
    assert statuses == {("revoked",), ("pending",)}


def test_deactivation_ends_access_here_but_not_the_session_used_elsewhere(
    scim, org, other_org, make_member
):
    created = scim.create_user("jane@acme.example")
    jane = membership("acme", "jane@acme.example")
    make_member(other_org, user=host.person(jane))
    browser = Client()
    browser.force_login(host.person(jane))
    assert browser.get(page(org)).status_code == 200
    assert scim.patch(f"/Users/{created['id']}", DEACTIVATE).status_code == 200
    assert browser.get(page(org)).status_code == 403
    assert browser.get(page(other_org)).status_code == 200


def test_a_pending_invitation_of_an_attached_account_can_be_resent(scim, other_org, make_member):
    from cosmo_scim.provisioning import invitations

    make_member(other_org, email="bob@globex.example")
    scim.create_user("bob@globex.example")
    invitation = Invitation.objects.get(organization=host.organization_by_slug("acme"))
    assert invitations.reset_for_resend(invitation)


# -- reproduction 5: no response depends on what exists outside the organization -----------


def _shape(response):
    body = response.json()
    for volatile in ("id", "meta"):
        body.pop(volatile, None)
    return response.status_code, body


def test_email_change_answers_the_same_whether_the_address_exists_elsewhere(
    scim, other_org, make_member, make_user
):
    outsider = host.person(make_member(other_org, email="ceo@globex.example"))
    make_user("operator@cosmo.example", is_staff=True)
    first = scim.create_user("jane@acme.example")
    second = scim.create_user("john@acme.example")
    taken = scim.patch(f"/Users/{first['id']}", set_email("ceo@globex.example"))
    staff = scim.patch(f"/Users/{second['id']}", set_email("operator@cosmo.example"))
    free = scim.patch(f"/Users/{second['id']}", set_email("nobody@nowhere.example"))
    assert taken.status_code == staff.status_code == free.status_code == 200
    assert taken.json()["emails"][0]["value"] == "ceo@globex.example"
    assert free.json()["emails"][0]["value"] == "nobody@nowhere.example"
    outsider.refresh_from_db()
    assert outsider.email == "ceo@globex.example"
    assert membership("acme", "jane@acme.example")  # Jane's login stayed
    assert membership("acme", "nobody@nowhere.example")  # John's moved: nobody had it


def test_provisioning_answers_the_same_whether_the_account_exists_elsewhere(
    scim, other_org, make_member
):
    make_member(other_org, email="bob@globex.example")
    existing = scim.post("/Users", okta_user("bob@globex.example", externalId="x"))
    fresh = scim.post("/Users", okta_user("new@globex.example", externalId="x2"))
    status, body = _shape(existing)
    fresh_status, fresh_body = _shape(fresh)
    assert status == fresh_status == 201
    body.pop("userName"), fresh_body.pop("userName")
    body.pop("emails"), fresh_body.pop("emails")
    body.pop("externalId"), fresh_body.pop("externalId")
    assert body == fresh_body


def test_an_address_of_another_member_of_this_organization_is_refused(scim, org, make_member):
    make_member(org, email="ceo@acme.com")
    created = scim.create_user("jane@acme.com")
    response = scim.patch(f"/Users/{created['id']}", set_email("ceo@acme.com"))
    assert response.status_code == 409 and response.json()["scimType"] == "uniqueness"
    assert scim.get(f"/Users/{created['id']}").json()["emails"][0]["value"] == "jane@acme.com"


def test_provisioning_an_existing_person_never_touches_their_other_membership(
    scim, other_org, make_member
):
    existing = make_member(other_org, role=host.roles()[0])
    scim.post("/Users", okta_user(host.person(existing).email))
    existing.refresh_from_db()
    assert host.active(existing) and host.role(existing) == host.roles()[0]
    assert host.memberships(person=host.person(existing)).count() == 2


# -- found by attacking the rules above -------------------------------------------------------


def test_a_rename_then_a_post_does_not_tell_whether_an_address_has_an_account(scim, make_user):
    """Renaming an owned account moves its login only to a free address, so a POST of that
    address afterwards used to answer 409 (our member) when it was free and 201 (an outside
    account attached) when it was taken."""
    make_user("exists@elsewhere.example")
    answers = []
    for i, address in enumerate(["exists@elsewhere.example", "nobody@elsewhere.example"]):
        probe = scim.create_user(f"probe{i}@acme.example")
        assert scim.patch(f"/Users/{probe['id']}", set_email(address)).status_code == 200
        body = okta_user(f"probe{i}b@acme.example", emails=[{"value": address, "primary": True}])
        response = scim.post("/Users", body)
        answers.append((response.status_code, response.json().get("scimType")))
    assert answers == [(409, "uniqueness"), (409, "uniqueness")]


def test_another_members_address_is_refused_whether_or_not_the_account_is_shared(scim, other_scim):
    answers = []
    for shared in (False, True):
        x = scim.create_user(f"x{shared}@acme.example")
        scim.create_user(f"y{shared}@acme.example")
        if shared:
            other_scim.create_user(f"x{shared}@acme.example")
        response = scim.patch(f"/Users/{x['id']}", set_email(f"y{shared}@acme.example"))
        answers.append(response.status_code)
    assert answers == [409, 409]


def test_an_organization_cannot_log_out_a_person_it_never_had(scim, make_user):
    """An attached account awaits consent: deactivating or deleting it ends nothing of the
    person's own sessions (here a product operator with no membership at all)."""
    make_user("operator@cosmo.example", "operator-pass-1234", is_staff=True)
    browser = Client()
    assert browser.login(username="operator@cosmo.example", password="operator-pass-1234")
    attached = scim.create_user("operator@cosmo.example")
    assert scim.patch(f"/Users/{attached['id']}", DEACTIVATE).status_code == 200
    assert scim.patch(f"/Users/{attached['id']}", REACTIVATE).status_code == 200
    assert scim.delete(f"/Users/{attached['id']}").status_code == 204
    assert browser.get("/").status_code == 200  # still logged in


def test_the_provisioning_event_reads_the_same_for_an_existing_account(scim, make_user):
    make_user("old@elsewhere.example")
    scim.create_user("old@elsewhere.example")
    scim.create_user("fresh@elsewhere.example")
    reasons = set(AuditEvent.objects.filter(action="provisioned").values_list("reason", flat=True))
    assert reasons == {""}
