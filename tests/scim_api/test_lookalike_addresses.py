"""Look-alike addresses (issue 20, reproduction 3), written as the attack, on every host.

Acme's IdP provisions ``ſam@beta.test`` (long s) and ``admın@beta.test`` (dotless i), which
``UPPER()`` maps onto Globex's ``sam@beta.test`` and ``admin@beta.test``. Django's login
compared with ``UPPER()`` and the account lookup with ``LOWER()``, so one login matched two
accounts: Globex's member, its next hire and its org admin got a 500 on signing in. Now an
address that holds a character with a case mapping outside ASCII is refused at the door
(cosmo_scim/addresses.py), and every sign-in matches one account by the one address key —
also for accounts that such addresses reached before the rule.
"""

import re

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core import mail
from django.test import Client
from django.urls import reverse
from scimkit import accept_link, host, patch_op, user_body

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Globex-pass-1234!"

# Globex's people, each with the look-alike Acme's IdP sends.
MEMBER, MEMBER_LOOKALIKE = "sam@beta.test", "ſam@beta.test"
ADMIN, ADMIN_LOOKALIKE = "admin@beta.test", "admın@beta.test"
HIRE, HIRE_LOOKALIKE = "hire@beta.test", "hıre@beta.test"


@pytest.fixture
def globex(other_org, make_member):
    """Globex's member and org admin, who sign in with a password."""
    make_member(other_org, email=MEMBER, password=PASSWORD)
    make_member(other_org, role=host.roles()[0], email=ADMIN, password=PASSWORD)  # its admin
    return other_org


def assert_refused(response, fragment):
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["scimType"] == "invalidValue" and body["status"] == "400"
    assert fragment in body["detail"]


def sign_in(path, email, **extra):
    """A fresh browser signs in; returns (status, where it was sent)."""
    response = Client().post(path, {"username": email, "password": PASSWORD, **extra})
    return response.status_code, response.headers.get("Location")


def hire_accepts(other_scim):
    """Globex's IdP provisions its hire, who opens the emailed link and sets a password."""
    mail.outbox.clear()
    other_scim.create_user(HIRE)
    (message,) = [m for m in mail.outbox if m.to == [HIRE]]
    browser = Client()
    browser.get(re.sub(r"^https?://[^/]+", "", accept_link(message)))
    return browser.post(
        "/invitations/accept/",
        {"new_password1": "Hire-pass-1234!", "new_password2": "Hire-pass-1234!"},
    )


def assert_globex_works(other_scim):
    """Globex's member signs in, its next hire accepts its invitation, its org admin signs
    in to the admin: no 500, each as their own account."""
    assert sign_in(reverse("login"), MEMBER)[0] == 302
    accepted = hire_accepts(other_scim)
    assert accepted.status_code == 302, accepted.content
    index = reverse("admin:index")
    assert sign_in(reverse("admin:login"), ADMIN, next=index) == (302, index)


def test_an_idp_cannot_provision_a_lookalike_of_another_organizations_people(
    scim, other_scim, globex
):
    for address in (MEMBER_LOOKALIKE, ADMIN_LOOKALIKE, HIRE_LOOKALIKE):
        assert_refused(scim.post("/Users", user_body(address)), "case mapping")
    people = get_user_model()._default_manager
    assert sorted(people.values_list(people.model.get_email_field_name(), flat=True)) == [
        ADMIN,
        MEMBER,
    ]
    assert_globex_works(other_scim)


def test_an_idp_cannot_move_a_login_onto_a_lookalike(scim, other_scim, globex):
    """PUT and PATCH are doors too: the login email an update would give the account."""
    created = scim.create_user("mallory@alpha.test")
    location = f"/Users/{created['id']}"
    moved = patch_op(
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": MEMBER_LOOKALIKE}
    )
    assert_refused(scim.patch(location, moved), "case mapping")
    assert_refused(scim.put(location, user_body(ADMIN_LOOKALIKE)), "case mapping")
    assert scim.get(location).json()["userName"] == "mallory@alpha.test"
    assert_globex_works(other_scim)


def test_lookalike_accounts_made_before_the_rule_lock_nobody_out(scim, other_scim, globex):
    """Accounts a look-alike reached before the rule (or an operator wrote by hand) stay
    apart: each sign-in matches one account. Django's login form reduces a typed login to
    NFKC (``ſ`` to ``s``, ``K`` to ``K``), so typing a look-alike reaches the ASCII
    account's password check, and a wrong password there is the usual refusal, never a
    500 and never someone else's account."""
    people = get_user_model()._default_manager
    for address in (MEMBER_LOOKALIKE, ADMIN_LOOKALIKE, HIRE_LOOKALIKE, "\u212aate@beta.test"):
        # The address as email and login, with no normalisation on the way.
        person = people.create(
            **{people.model.get_email_field_name(): address, people.model.USERNAME_FIELD: address}
        )
        person.set_password("Lookalike-pass-1234!")
        person.save()
    assert_globex_works(other_scim)
    typed = {"username": MEMBER_LOOKALIKE, "password": "Lookalike-pass-1234!"}
    form = AuthenticationForm(data=typed)
    assert not form.is_valid() and form.get_user() is None
    # Below the form, the backend matches the look-alike's own account, and only it.
    account = authenticate(**typed)
    assert account is not None and account.get_username() == MEMBER_LOOKALIKE


def test_a_lookalike_username_is_not_called_the_same_user(scim):
    """A second POST of a member's address under a userName that differs by a case mapping
    outside ASCII is refused as the address's (409), never as a duplicate userName the
    userName filter could not find."""
    scim.create_user(MEMBER)
    again = scim.post("/Users", user_body("ſam@beta.test", email=MEMBER))
    assert again.status_code == 409 and again.json()["scimType"] == "uniqueness"
    assert f"userName {MEMBER!r}" in again.json()["detail"]
    retried = scim.post("/Users", user_body(MEMBER.upper(), email=MEMBER))
    assert retried.status_code == 409 and "already exists" in retried.json()["detail"]
    found = scim.get(f'/Users?filter=userName eq "{MEMBER.upper()}"').json()
    assert found["totalResults"] == 1
