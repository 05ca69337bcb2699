"""Which accounts an organization's IdP may change (cosmo_scim/provisioning/ownership.py):
one its provisioning created that nobody has used, or one whose old and new address are in
a domain the organization has verified. Written as the attacks of issue 20.
"""

import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from scimkit import accept_link, host, patch_op

from cosmo_scim.models import AuditEvent, VerifiedDomain
from cosmo_scim.provisioning.ownership import ACCOUNT_RULE

pytestmark = pytest.mark.django_db(transaction=True)

HIRE, MAILBOX, PLANTED = "hire@globex.example", "mallory@acme.example", "planted-Passw0rd!"
DEACTIVATE = patch_op({"op": "replace", "value": {"active": False}})
REACTIVATE = patch_op({"op": "replace", "path": "active", "value": True})


def set_email(address):
    return patch_op({"op": "replace", "path": 'emails[type eq "work"].value', "value": address})


def verify(organization, domain):
    return VerifiedDomain.objects.create(
        organization=organization, domain=domain, verified_at=timezone.now()
    )


def last_link_to(address):
    return accept_link([m for m in mail.outbox if m.to == [address]][-1])


def open_link(link):
    browser = Client()
    browser.get(re.sub(r"^https?://[^/]+", "", link))  # the link puts its token in the session
    return browser


def choose_password(link, password):
    response = open_link(link).post(
        "/invitations/accept/", {"new_password1": password, "new_password2": password}
    )
    assert response.status_code == 302, response.content


def signs_in(login, password):
    return Client().login(username=login, password=password)


# -- reproduction 2: a planted password ------------------------------------------------------


def test_a_password_planted_on_an_account_does_not_greet_the_next_organizations_hire(
    scim, other_scim
):
    """A creates the account at B's future hire's address, moves its login to A's mailbox,
    accepts the invitation there with password P, moves the login back and deletes its
    user. B's IdP later provisions the hire: the hire used to be asked for P (which only A
    knew, with no reset), and A signed in as the hire with it."""
    planted = scim.create_user(HIRE)
    path = f"/Users/{planted['id']}"
    assert scim.patch(path, set_email(MAILBOX)).status_code == 200
    assert scim.patch(path, DEACTIVATE).status_code == 200
    assert scim.patch(path, REACTIVATE).status_code == 200
    choose_password(last_link_to(MAILBOX), PLANTED)
    assert scim.patch(path, set_email(HIRE)).status_code == 200
    assert scim.delete(path).status_code == 204

    hired = other_scim.create_user(HIRE)
    assert not signs_in(HIRE, PLANTED)
    account = host.person(host.membership_of(hired["id"]))
    assert not account.check_password(PLANTED) and not account.has_usable_password()
    choose_password(last_link_to(HIRE), "the-hires-own-42")  # the hire chooses their own
    assert signs_in(HIRE, "the-hires-own-42") and not signs_in(HIRE, PLANTED)


def test_an_account_somebody_used_keeps_its_login(scim):
    """The invitation-correction rule ends once the account is used: accepted, a usable
    password, a sign-in."""
    created = scim.create_user("jane@acme.example")
    choose_password(last_link_to("jane@acme.example"), "janes-own-pass-42")
    response = scim.patch(f"/Users/{created['id']}", set_email("jane@elsewhere.example"))
    assert response.json()["emails"][0]["value"] == "jane@elsewhere.example"  # the profile
    assert host.person(host.membership_of(created["id"])).email == "jane@acme.example"
    assert AuditEvent.objects.get(action="updated").reason == ACCOUNT_RULE


def test_correcting_an_unused_accounts_address_invites_the_new_one(scim):
    created = scim.create_user("jane@acme.exmaple")  # a typo in the IdP
    scim.patch(f"/Users/{created['id']}", set_email("jane@acme.example"))
    assert host.person(host.membership_of(created["id"])).email == "jane@acme.example"
    choose_password(last_link_to("jane@acme.example"), "janes-own-pass-42")
    assert signs_in("jane@acme.example", "janes-own-pass-42")
    # The link mailed to the typo no longer works: it did not reach the login.
    response = open_link(last_link_to("jane@acme.exmaple")).get("/invitations/accept/")
    assert b"This invitation has been withdrawn" in response.content


# -- verified domains -----------------------------------------------------------------------


def test_a_verified_domain_lets_the_idp_change_a_used_accounts_login(scim, org):
    """Both addresses in Acme's verified domain: the login moves, the password does not
    survive it, the sessions end and the person is invited at the new address."""
    verify(org, "acme.example")
    created = scim.create_user("jane@acme.example")
    choose_password(last_link_to("jane@acme.example"), "janes-own-pass-42")
    browser = Client()
    assert browser.login(username="jane@acme.example", password="janes-own-pass-42")
    landing = host.landing_url(host.membership_of(created["id"]))
    assert browser.get(landing).status_code == 200

    patched = scim.patch(f"/Users/{created['id']}", set_email("jane.doe@acme.example"))
    assert patched.status_code == 200
    jane = host.person(host.membership_of(created["id"]))
    assert jane.email == "jane.doe@acme.example" and not jane.has_usable_password()
    assert browser.get(landing).status_code != 200  # the session ended
    assert not signs_in("jane@acme.example", "janes-own-pass-42")
    choose_password(last_link_to("jane.doe@acme.example"), "janes-new-pass-42")
    assert signs_in("jane.doe@acme.example", "janes-new-pass-42")
    assert AuditEvent.objects.get(action="updated").reason == ""


def test_a_verified_domain_covers_names_of_an_account_another_made(scim, org, make_user):
    bob = make_user("bob@acme.example", password="bobs-pass-4242", given_name="Bob")
    created = scim.create_user("bob@acme.example", given="Robert")
    assert host.given_name(host.person(host.membership_of(created["id"]))) == "Bob"
    verify(org, "acme.example")
    scim.patch(
        f"/Users/{created['id']}",
        patch_op({"op": "replace", "path": "name.givenName", "value": "Rob"}),
    )
    bob.refresh_from_db()
    assert host.given_name(bob) == "Rob" and bob.check_password("bobs-pass-4242")


@pytest.mark.parametrize(
    "new", ["jane@gmail.example", "jane@globex.example", "jane@sub.acme.example"]
)
def test_a_verified_domain_does_not_reach_beyond_itself(scim, org, other_org, new):
    verify(org, "acme.example")
    verify(other_org, "globex.example")
    created = scim.create_user("jane@acme.example")
    choose_password(last_link_to("jane@acme.example"), "janes-own-pass-42")
    scim.patch(f"/Users/{created['id']}", set_email(new))
    jane = host.person(host.membership_of(created["id"]))
    assert jane.email == "jane@acme.example" and jane.check_password("janes-own-pass-42")


def test_another_organizations_verified_domain_gives_this_one_nothing(scim, other_scim, other_org):
    """Globex verified globex.example; Acme's IdP attaching a Globex account cannot move it,
    however it names the addresses."""
    verify(other_org, "globex.example")
    other_scim.create_user(HIRE)
    ours = scim.create_user(HIRE)
    scim.patch(f"/Users/{ours['id']}", set_email("other@globex.example"))
    assert host.person(host.membership_of(ours["id"])).email == HIRE


# -- reproduction 5: no oracle of what exists elsewhere ----------------------------------------


def _shape(response):
    body = response.json()
    body.pop("meta"), body.pop("id"), body.pop("userName"), body.pop("externalId")
    return response.status_code, body


def test_moving_a_probe_tells_neither_the_response_nor_the_trail_whether_an_address_exists(
    scim, make_user
):
    """A probe account nobody used, moved to an address that has an account and to one
    that has none: the responses and the audit events read the same."""
    make_user("exists@elsewhere.example", password="not-yours-4242")
    answers, reasons = [], []
    for n, target in enumerate(["exists@elsewhere.example", "nobody@elsewhere.example"]):
        probe = scim.create_user(f"probe{n}@acme.example")
        response = scim.patch(f"/Users/{probe['id']}", set_email(target))
        status, body = _shape(response)
        body["emails"][0].pop("value")
        answers.append((status, body))
        reasons.append(AuditEvent.objects.filter(action="updated").latest("id").reason)
    assert answers[0] == answers[1]
    assert reasons == [ACCOUNT_RULE, ACCOUNT_RULE]
